"""Loans: the review queue, an application with eligibility and guarantors, approve/reject (maker-checker),
disburse, the schedule with repayments, and writing a lost loan off; all through core.loans."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import NoReturn

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.render import render
from admin_web.scoped import organization_id, path_id
from core.errors import InvalidInput
from core.identity.permissions import Permission, allowed
from core.loans.disbursement import PayoutMethod, disburse
from core.loans.models import LoanApplicationStatus as S
from core.loans.repayment import instalments
from core.loans.review import application_detail, approve, reject, review_queue
from core.loans.service import eligibility
from core.loans.statement import loan_summary
from core.loans.writeoff import write_off, write_off_refusal
from core.members.search import get_member

routes = web.RouteTableDef()
SCHEDULED = frozenset({S.DISBURSED, S.ACTIVE, S.CLOSED, S.WRITTEN_OFF})


@routes.get("/loans")
@require(Permission.LOANS_VIEW)
async def queue(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        items = await review_queue(
            session, principal=current_staff(request), organization_id=organization_id(request)
        )
    return render(request, "loans.html", {"items": items})


@routes.get("/loans/{loan_id}", allow_head=False)
@require(Permission.LOANS_VIEW)
async def detail(request: web.Request) -> web.StreamResponse:
    org, loan_id = organization_id(request), path_id(request, "loan_id")
    principal = current_staff(request)
    async with console_db(request) as session:
        item = await application_detail(session, principal=principal, organization_id=org, loan_id=loan_id)
        rules = await eligibility(session, org, item.loan.member_id, product_id=item.loan.product_id)
        summary = await loan_summary(session, org, loan_id) if item.loan.status in SCHEDULED else None
        names = {}
        for g in item.guarantors:
            names[g.guarantor_member_id] = (await get_member(session, org, g.guarantor_member_id)).full_name
        write_off_blocked = None
        if item.loan.status == S.ACTIVE and allowed(principal.role, Permission.LOANS_APPROVE):
            rows = await instalments(session, org, loan_id)
            refusal = write_off_refusal(item.loan, rows, principal, datetime.now(UTC).date())
            write_off_blocked = str(refusal) if refusal is not None else ""
    return render(
        request,
        "loan.html",
        {
            "d": item,
            "loan": item.loan,
            "rules": rules,
            "summary": summary,
            "names": names,
            "methods": [m.value for m in PayoutMethod],
            "can_decide": allowed(principal.role, Permission.LOANS_APPROVE)
            and item.loan.status in (S.SUBMITTED, S.UNDER_REVIEW),
            "maker": principal.staff_user_id
            in (item.loan.recorded_by_staff_id, item.loan.edited_by_staff_id),
            "can_disburse": allowed(principal.role, Permission.LOANS_DISBURSE)
            and item.loan.status == S.APPROVED,
            "write_off_blocked": write_off_blocked,  # None: not offered; "": offered; else why not yet
        },
    )


async def _act(request: web.Request, service: Callable[..., Awaitable[object]], **fields: object) -> NoReturn:
    """Run a core.loans staff service on the path's loan in the acting organization, then back to its page."""
    org, loan_id = organization_id(request), path_id(request, "loan_id")
    async with console_db(request) as session:
        await service(session, principal=current_staff(request), organization_id=org, loan_id=loan_id, **fields)
    raise web.HTTPSeeOther(f"/console/loans/{loan_id}")


@routes.post("/loans/{loan_id}/approve")
@require(Permission.LOANS_APPROVE)
async def approve_loan(request: web.Request) -> web.StreamResponse:
    await _act(request, approve, note=str((await request.post()).get("note", "")))


@routes.post("/loans/{loan_id}/reject")
@require(Permission.LOANS_APPROVE)
async def reject_loan(request: web.Request) -> web.StreamResponse:
    await _act(request, reject, reason=str((await request.post()).get("reason", "")))


@routes.post("/loans/{loan_id}/disburse")
@require(Permission.LOANS_DISBURSE)
async def disburse_loan(request: web.Request) -> web.StreamResponse:
    try:
        method = PayoutMethod(str((await request.post()).get("method", "mtn")))
    except ValueError:
        raise InvalidInput("choose cash, MTN or Airtel") from None
    await _act(request, disburse, method=method)


@routes.post("/loans/{loan_id}/write-off")
@require(Permission.LOANS_APPROVE)
async def write_off_loan(request: web.Request) -> web.StreamResponse:
    await _act(request, write_off, reason=str((await request.post()).get("reason", "")))
