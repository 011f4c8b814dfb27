"""Check balance: savings per group, the last contribution, what is due this period, and loans in progress."""

from __future__ import annotations

from typing import ClassVar

from core.loans.member_overview import member_overview
from core.loans.statement import member_loans
from core.members.models import Frequency
from dialogs.context import Context
from dialogs.engine import Dialog, Step, Turn
from dialogs.periods import KIGALI, period_start
from dialogs.vocabulary import Reply

PERIOD_MSGIDS = {"weekly": "balance.period_week", "biweekly": "balance.period_fortnight",
                 "monthly": "balance.period_month"}


class Balance(Dialog):
    name = "balance"
    intents: ClassVar[frozenset[str]] = frozenset({"check_balance", "contributions_due"})
    menu_label = "menu.balance"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        """One read for everything but live loans' schedules (most members have none): a USSD hop waits on it."""
        member = ctx.require_member()
        org, mid = member.organization_id, member.member_id
        starts = {str(frequency): period_start(frequency, ctx.now) for frequency in Frequency}
        overview = await member_overview(ctx.db, org, mid, starts)
        loans = []
        if overview.has_live_loans:
            async with ctx.tenant() as session:
                loans = await member_loans(session, org, mid)
        lines = [ctx.t("balance.title", sacco=member.organization_name)]
        dues: list[str] = []
        for group in overview.groups:
            lines.append(ctx.t("balance.group_line", group=group.name, amount=ctx.money(group.saved)))
            if group.contribution_amount > 0:
                due = max(0, group.contribution_amount - group.paid_this_period)
                period = ctx.t(PERIOD_MSGIDS.get(group.contribution_frequency, "balance.period_week"))
                dues.append(ctx.t("balance.due", group=group.name, amount=ctx.money(due), period=period)
                            if due else ctx.t("balance.paid_up", group=group.name, period=period))
        if len(overview.groups) > 1:
            lines.append(ctx.t("balance.total", amount=ctx.money(sum(g.saved for g in overview.groups))))
        if (last := overview.last_payment) is not None:
            lines.append(ctx.t("balance.last", amount=ctx.money(last[0]), date=ctx.day(last[1].astimezone(KIGALI).date())))
        lines.extend(dues)
        if (a := overview.latest_application) is not None and a.status == "submitted":
            lines.append(ctx.t("balance.loan_pending", reference=a.reference, amount=ctx.money(a.amount, a.currency)))
        lines.extend(
            ctx.t("balance.loan_outstanding", reference=loan.reference, outstanding=ctx.money(loan.outstanding),
                  amount=ctx.money(loan.next_due_amount), date=ctx.day(loan.next_due_on))
            for loan in loans if loan.next_due_on is not None
        )
        return Step.end(Reply("\n".join(lines)))
