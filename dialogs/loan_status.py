"""Loan status: the member's latest applications with their reference, amount and where each stands."""

from __future__ import annotations

from typing import ClassVar

from core.loans.service import member_applications
from dialogs.context import Context
from dialogs.engine import Dialog, Step, Turn
from dialogs.vocabulary import Reply

STATUS_MSGIDS = {
    "submitted": "loan.status_submitted",
    "approved": "loan.status_approved",
    "rejected": "loan.status_rejected",
    "disbursed": "loan.status_disbursed",
    "cancelled": "loan.status_cancelled",
}


class LoanStatus(Dialog):
    name = "loan_status"
    intents: ClassVar[frozenset[str]] = frozenset({"loan_status"})
    menu_label = "menu.loan_status"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        member = ctx.require_member()
        async with ctx.tenant() as session:
            applications = await member_applications(session, member.organization_id, member.member_id)
        if not applications:
            return Step.end(Reply(ctx.t("loan.status_none")))
        lines = [ctx.t("loan.status_title")]
        for a in applications:
            lines.append(ctx.t(
                "loan.status_line", reference=a.reference, amount=ctx.money(a.amount, a.currency),
                status=ctx.t(STATUS_MSGIDS.get(a.status, "loan.status_submitted")),
            ))
        return Step.end(Reply("\n".join(lines)))
