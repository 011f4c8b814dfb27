"""Recent transactions: the last five movements on the member's savings, and a PDF statement link on chat."""

from __future__ import annotations

from typing import ClassVar

from core.loans.savings import recent_savings_lines, savings_by_group
from dialogs.context import Context
from dialogs.engine import Dialog, Step, Turn
from dialogs.periods import KIGALI
from dialogs.vocabulary import Link, Reply

KIND_MSGIDS = {
    "contribution": "statement.kind_contribution",
    "allocation": "statement.kind_contribution",
    "payment_received": "statement.kind_contribution",
    "withdrawal": "statement.kind_withdrawal",
    "loan_repayment": "statement.kind_repayment",
    "loan_disbursement": "statement.kind_disbursement",
    "fee": "statement.kind_fee",
    "penalty": "statement.kind_penalty",
    "reversal": "statement.kind_correction",
    "adjustment": "statement.kind_correction",
}


def statement_link(ctx: Context) -> Link | None:
    """The hook for the PDF statement once reports exist: return a Link to {PUBLIC_BASE_URL}/... here."""
    return None


class Statement(Dialog):
    name = "statement"
    intents: ClassVar[frozenset[str]] = frozenset({"statement"})
    menu_label = "menu.statement"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        member = ctx.require_member()
        async with ctx.tenant() as session:
            lines = await recent_savings_lines(session, member.organization_id, member.member_id, limit=5)
            total = sum(s.balance for s in await savings_by_group(session, member.organization_id, member.member_id))
        if not lines:
            return Step.end(Reply(ctx.t("statement.none")))
        out = [ctx.t("statement.title")]
        for line in lines:
            sign = "+" if line.amount >= 0 else "-"
            out.append(ctx.t(
                "statement.line", date=ctx.day(line.effective_at.astimezone(KIGALI).date()),
                kind=ctx.t(KIND_MSGIDS.get(line.kind, "statement.kind_other")),
                amount=f"{sign}{ctx.money(abs(line.amount))}",
            ))
        out.append(ctx.t("statement.balance", amount=ctx.money(total)))
        link = statement_link(ctx) if ctx.shows_links else None
        return Step.end(Reply("\n".join(out), link=link))
