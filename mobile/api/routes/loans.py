"""My loans: eligibility, applying, my loans with schedules, and guarantor requests to answer.

core.loans holds applications today (the dialogs' minimal rule: up to 3x savings, 1..24 months). PENDING
on the loans engineer: disbursed loans with outstanding balances and repayment schedules (the fields are
in the API already: `outstanding`, `next_due_*`, `schedule`), and guarantor requests
(`core.loans.guarantors`: requests_for_guarantor / answer_request), wired below when the module exists.
"""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInput, NotFound
from core.loans import guarantors
from core.loans.models import LoanApplication
from core.loans.service import apply_for_loan, eligibility, member_applications
from mobile.api.members import my_groups
from mobile.api.registry import Call, Routes
from mobile.api.schemas.loans import (
    Eligibility,
    GuarantorAnswer,
    GuarantorParams,
    GuarantorRequest,
    GuarantorRequestList,
    Loan,
    LoanApplicationRequest,
    LoanList,
    LoanParams,
)

ROUTES = Routes("loans")
HISTORY = 100


def _loan(app: LoanApplication, group_names: dict[int, str]) -> Loan:
    return Loan(
        id=app.id,
        reference=app.reference,
        status=app.status,
        principal=app.amount,
        currency=app.currency,
        months=app.term_months,
        purpose=app.purpose,
        group_id=app.group_id,
        group_name=group_names.get(app.group_id) if app.group_id else None,
        applied_at=app.created_at,
        decided_at=app.decided_at,
        decision_note=app.decision_note,
        outstanding=None,
        next_due_on=None,
        next_due_amount=None,
        schedule=[],
    )


@ROUTES.operation("GET", "/me/loans/eligibility", summary="How much I may borrow", response=Eligibility)
async def get_eligibility(call: Call) -> Eligibility:
    claims = call.member
    async with call.tenant() as session:
        rules = await eligibility(session, claims.organization_id, claims.member_id)
    reason = None
    if rules.pending_reference is not None:
        reason = f"Application {rules.pending_reference} is still waiting for a decision."
    elif rules.written_off_reference is not None:
        reason = f"Loan {rules.written_off_reference} is still owed: repay it before borrowing again."
    elif not rules.eligible:
        reason = "Your savings are too low to borrow yet."
    return Eligibility(
        eligible=rules.eligible, reason=reason, savings=rules.savings, multiplier=rules.multiplier,
        min_amount=rules.min_amount, max_amount=rules.max_amount, min_months=rules.min_term,
        max_months=rules.max_term, currency=rules.currency, pending_reference=rules.pending_reference,
    )


@ROUTES.operation("GET", "/me/loans", summary="My loans and applications, newest first", response=LoanList)
async def list_loans(call: Call) -> LoanList:
    claims = call.member
    async with call.tenant() as session:
        names = {g.id: g.name for g, _ in await my_groups(session, claims)}
        apps = await member_applications(session, claims.organization_id, claims.member_id, limit=HISTORY)
    return LoanList(items=[_loan(a, names) for a in apps])


@ROUTES.operation(
    "POST", "/me/loans", summary="Apply for a loan", body=LoanApplicationRequest, response=Loan, status=201,
    errors=(409,),
)
async def apply(call: Call) -> Loan:
    """Checked again against eligibility: 422 `not_eligible`, `amount_out_of_range`, `term_out_of_range`."""
    body = call.body_as(LoanApplicationRequest)
    claims = call.member
    async with call.tenant() as session:
        names = {g.id: g.name for g, _ in await my_groups(session, claims)}
        if body.group_id is not None and body.group_id not in names:
            raise InvalidInput("group_id must be one of your groups")
        app = await apply_for_loan(
            session, organization_id=claims.organization_id, member_id=claims.member_id, amount=body.amount,
            term_months=body.months, purpose=body.purpose, channel="app", group_id=body.group_id,
        )
        return _loan(app, names)


@ROUTES.operation(
    "GET", "/me/loans/{loan_id}", summary="One of my loans with its schedule", params=LoanParams, response=Loan,
    errors=(404,),
)
async def get_loan(call: Call) -> Loan:
    """404 for a loan that is not the member's (another member's id, or another SACCO's)."""
    wanted = call.params_as(LoanParams).loan_id
    claims = call.member
    async with call.tenant() as session:
        names = {g.id: g.name for g, _ in await my_groups(session, claims)}
        apps = await member_applications(session, claims.organization_id, claims.member_id, limit=HISTORY)
    for app in apps:
        if app.id == wanted:
            return _loan(app, names)
    raise NotFound(f"no loan {wanted}")


def _request(row: Any) -> GuarantorRequest:
    return GuarantorRequest.model_validate(row, from_attributes=True)


@ROUTES.operation(
    "GET", "/me/guarantor-requests", summary="Requests to guarantee someone's loan", response=GuarantorRequestList
)
async def list_guarantor_requests(call: Call) -> GuarantorRequestList:
    """The requests addressed to the signed-in member, newest first (core.loans.guarantors)."""
    claims = call.member
    async with call.tenant() as session:
        rows = await guarantors.requests_for_guarantor(session, claims.organization_id, claims.member_id)
    return GuarantorRequestList(items=[_request(r) for r in rows])


@ROUTES.operation(
    "POST", "/me/guarantor-requests/{request_id}", summary="Accept or decline a guarantor request",
    params=GuarantorParams, body=GuarantorAnswer, response=GuarantorRequest, errors=(404, 409),
)
async def answer_guarantor_request(call: Call) -> GuarantorRequest:
    """404 for a request that is not addressed to the member; 409 when it was already answered."""
    request_id = call.params_as(GuarantorParams).request_id
    claims = call.member
    async with call.tenant() as session:
        row = await guarantors.answer_request(
            session, organization_id=claims.organization_id, member_id=claims.member_id, request_id=request_id,
            accept=call.body_as(GuarantorAnswer).decision == "accept",
        )
    return _request(row)
