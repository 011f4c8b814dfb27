"""Check balance: savings per group, the last contribution, what is due this period, and loans in progress."""

from __future__ import annotations

from typing import ClassVar

from core.loans.savings import last_payment_in, paid_in_since, savings_by_group
from core.loans.service import member_applications
from core.loans.statement import member_loans
from core.members.service import groups_of_member
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
        member = ctx.require_member()
        org, mid = member.organization_id, member.member_id
        lines = [ctx.t("balance.title", sacco=member.organization_name)]
        async with ctx.tenant() as session:
            groups = await groups_of_member(session, mid)
            savings = {s.group_id: s for s in await savings_by_group(session, org, mid)}
            total = 0
            dues: list[str] = []
            for group, _ in groups:
                saved = savings[group.id].balance if group.id in savings else 0
                total += saved
                lines.append(ctx.t("balance.group_line", group=group.name, amount=ctx.money(saved)))
                if group.contribution_amount > 0:
                    since = period_start(group.contribution_frequency, ctx.now)
                    paid, _ = await paid_in_since(session, org, mid, group.id, since)
                    due = max(0, group.contribution_amount - paid)
                    period = ctx.t(PERIOD_MSGIDS.get(group.contribution_frequency, "balance.period_week"))
                    dues.append(ctx.t("balance.due", group=group.name, amount=ctx.money(due), period=period)
                                if due else ctx.t("balance.paid_up", group=group.name, period=period))
            last = await last_payment_in(session, org, mid)
            applications = await member_applications(session, org, mid, limit=1)
            loans = await member_loans(session, org, mid)
        if len(groups) > 1:
            lines.append(ctx.t("balance.total", amount=ctx.money(total)))
        if last is not None:
            lines.append(ctx.t("balance.last", amount=ctx.money(last[0]), date=ctx.day(last[1].astimezone(KIGALI).date())))
        lines.extend(dues)
        if applications and applications[0].status == "submitted":
            a = applications[0]
            lines.append(ctx.t("balance.loan_pending", reference=a.reference, amount=ctx.money(a.amount, a.currency)))
        lines.extend(
            ctx.t("balance.loan_outstanding", reference=loan.reference, outstanding=ctx.money(loan.outstanding),
                  amount=ctx.money(loan.next_due_amount), date=ctx.day(loan.next_due_on))
            for loan in loans if loan.next_due_on is not None
        )
        return Step.end(Reply("\n".join(lines)))
