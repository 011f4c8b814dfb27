"""Loan status: guarantor requests waiting for the member, loans being repaid (outstanding, next instalment,
payment code), and the latest applications with where each stands."""

from __future__ import annotations

from typing import ClassVar

from core.loans.guarantors import requests_for_guarantor
from core.loans.service import member_applications
from core.loans.statement import member_loans
from dialogs.context import Context
from dialogs.engine import Dialog, Step, Turn
from dialogs.vocabulary import Reply

STATUS_MSGIDS = {
    "draft": "loan.status_draft",
    "submitted": "loan.status_submitted",
    "under_review": "loan.status_under_review",
    "approved": "loan.status_approved",
    "rejected": "loan.status_rejected",
    "disbursed": "loan.status_disbursed",
    "active": "loan.status_active",
    "closed": "loan.status_closed",
    "written_off": "loan.status_written_off",
    "cancelled": "loan.status_cancelled",
}


class LoanStatus(Dialog):
    name = "loan_status"
    intents: ClassVar[frozenset[str]] = frozenset({"loan_status"})
    menu_label = "menu.loan_status"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        member = ctx.require_member()
        org, mid = member.organization_id, member.member_id
        async with ctx.tenant() as session:
            waiting = await requests_for_guarantor(session, org, mid, pending_only=True)
            loans = await member_loans(session, org, mid)
            applications = await member_applications(session, org, mid)
        lines: list[str] = []
        for loan in loans:
            if loan.next_due_on is not None:
                lines.append(ctx.t("loan.active_line", reference=loan.reference,
                                   outstanding=ctx.money(loan.outstanding, loan.currency),
                                   amount=ctx.money(loan.next_due_amount, loan.currency),
                                   date=ctx.day(loan.next_due_on), code=loan.payment_code or "-"))
            if loan.overdue_amount:
                lines.append(ctx.t("loan.overdue_line", amount=ctx.money(loan.overdue_amount, loan.currency)))
        shown = {loan.loan_id for loan in loans}
        others = [a for a in applications if a.id not in shown]
        if others:
            lines.append(ctx.t("loan.status_title"))
            lines.extend(ctx.t("loan.status_line", reference=a.reference, amount=ctx.money(a.amount, a.currency),
                               status=ctx.t(STATUS_MSGIDS.get(a.status, "loan.status_submitted"))) for a in others)
        if waiting:
            text = "\n".join([ctx.t("loan.guarantors_waiting", count=len(waiting)), *lines])
            return Step.go("loan_guarantor", Reply(text))  # answer them now, on any channel
        if not lines:
            return Step.end(Reply(ctx.t("loan.status_none")))
        return Step.end(Reply("\n".join(lines)))
