"""Answer a guarantor request: who asks, the amount of savings at stake, yes or no (holds savings on yes)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from core.errors import Conflict, NotFound
from core.loans.errors import GuarantorProblem
from core.loans.guarantors import GuarantorRequest, answer_request, requests_for_guarantor
from dialogs.context import Context
from dialogs.engine import Dialog, Step, Turn, confirm_answer
from dialogs.vocabulary import Choice, Reply

REQUEST_SLOT = "guarantor_request"


class LoanGuarantor(Dialog):
    name = "loan_guarantor"
    intents: ClassVar[frozenset[str]] = frozenset()  # reached from the request's button or from loan status
    menu_label = "menu.loan_guarantor"

    class State(StrEnum):
        ANSWER = "answer"

    async def pending(self, ctx: Context) -> list[GuarantorRequest]:
        member = ctx.require_member()
        async with ctx.tenant() as session:
            return await requests_for_guarantor(session, member.organization_id, member.member_id, pending_only=True)

    def question(self, ctx: Context, request: GuarantorRequest) -> Reply:
        choices = (Choice(id="yes", title=ctx.t("loan.guarantor_accept")),
                   Choice(id="no", title=ctx.t("loan.guarantor_decline")))
        return Reply(ctx.t("loan.guarantor_ask", borrower=request.borrower_name, reference=request.reference,
                           amount=ctx.money(request.amount, request.currency)), choices=choices)

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        requests = await self.pending(ctx)
        if not requests:
            return Step.end(Reply(ctx.t("loan.guarantor_none")))
        oldest = requests[-1]
        ctx.slots[REQUEST_SLOT] = oldest.id
        return Step.ask(self.State.ANSWER, self.question(ctx, oldest))

    async def reprompt(self, ctx: Context, state: str) -> Step:
        return await self.begin(ctx, Turn())

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        if state != self.State.ANSWER:
            return None
        answer = confirm_answer(turn)
        if answer is None:
            return None
        member = ctx.require_member()
        request_id = int(ctx.slots.get(REQUEST_SLOT, 0))
        request = next((r for r in await self.pending(ctx) if r.id == request_id), None)
        if request is None:
            return Step.end(Reply(ctx.t("loan.guarantor_gone")))
        values = {"reference": request.reference, "amount": ctx.money(request.amount, request.currency)}
        try:
            async with ctx.tenant() as session:
                await answer_request(session, organization_id=member.organization_id, member_id=member.member_id,
                                     request_id=request_id, accept=answer)
        except GuarantorProblem:
            return Step.end(Reply(ctx.t("loan.guarantor_cannot_cover", **values)))
        except (Conflict, NotFound):
            return Step.end(Reply(ctx.t("loan.guarantor_gone")))
        done = Reply(ctx.t("loan.guarantor_accepted" if answer else "loan.guarantor_declined", **values))
        more = await self.pending(ctx)
        if more:  # several requests: the next one straight away
            ctx.slots[REQUEST_SLOT] = more[-1].id
            return Step.ask(self.State.ANSWER, self.question(ctx, more[-1]), done)
        return Step.end(done)
