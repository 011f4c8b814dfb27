"""The exceptions queue: filter, read one with its SMS and ranked suggestions, allocate/refund/ignore, undo, bulk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from admin_web.auth import console_db, current_staff, require
from admin_web.context import deps
from admin_web.render import render
from admin_web.scoped import optional_int, organization_id, path_id
from core.errors import InvalidInput
from core.identity.permissions import Permission, allowed
from core.members.search import find_payee, list_groups
from core.money import Money
from core.payments.exception_queue import ExceptionFilter, exception_detail, list_exceptions
from core.payments.exception_resolution import (
    allocate_exception,
    bulk_allocate,
    ignore_exception,
    refund_exception,
    undo_resolution,
)
from core.payments.matching_types import ExceptionReason
from core.payments.recon_models import ExceptionStatus

routes = web.RouteTableDef()
QUEUE = "/console/exceptions"
AGES: dict[str, tuple[timedelta | None, timedelta | None]] = {
    "new": (None, timedelta(days=1)),
    "1d": (timedelta(days=1), None),
    "3d": (timedelta(days=3), None),
    "7d": (timedelta(days=7), None),
}
FILTER_KEYS = ("reason", "age", "group", "status")


def _filter(query: Mapping[str, str]) -> ExceptionFilter:
    reason = query.get("reason", "")
    older, newer = AGES.get(query.get("age", ""), (None, None))
    status = ExceptionStatus.RESOLVED if query.get("status") == "resolved" else ExceptionStatus.OPEN
    return ExceptionFilter(
        status=status,
        reasons=(reason,) if reason in {r.value for r in ExceptionReason} else (),
        group_id=optional_int(query.get("group"), "group"),
        older_than=older,
        newer_than=newer,
    )


def _kept(query: Mapping[str, str]) -> str:
    """The queue's filter as a query string, so actions return to the same view."""
    return urlencode({k: query[k] for k in FILTER_KEYS if query.get(k)})


def _back(form: MultiDictProxy[Any], **extra: object) -> str:
    kept = str(form.get("back", "") or "")
    params = "&".join(p for p in (kept, urlencode({k: v for k, v in extra.items() if v is not None})) if p)
    return QUEUE + ("?" + params if params else "")


@routes.get("/exceptions")
@require(Permission.EXCEPTIONS_VIEW)
async def queue(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    f = _filter(request.query)
    before = optional_int(request.query.get("before"), "before")
    page = await list_exceptions(deps(request).db, org, f, limit=50, before_id=before)
    async with console_db(request) as session:
        groups = await list_groups(session, org)
    return render(
        request,
        "exceptions.html",
        {
            "page": page,
            "items": page.items,
            "reasons": [r.value for r in ExceptionReason],
            "groups": groups,
            "ages": list(AGES),
            "kept": _kept(request.query),
            "can_resolve": allowed(current_staff(request).role, Permission.EXCEPTIONS_RESOLVE),
            "done": optional_int(request.query.get("done"), "done"),
            "done_what": request.query.get("what", ""),
            "bulk": request.query.get("bulk", ""),
        },
    )


@routes.get("/exceptions/{exception_id}", allow_head=False)
@require(Permission.EXCEPTIONS_VIEW)
async def detail(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    item = await exception_detail(deps(request).db, org, path_id(request, "exception_id"))
    page = await list_exceptions(deps(request).db, org, _filter(request.query), limit=200)
    ids = [i.id for i in page.items]
    at = ids.index(item.summary.id) if item.summary.id in ids else -1
    return render(
        request,
        "exception.html",
        {
            "item": item,
            "s": item.summary,
            "sms": item.sms,
            "kept": _kept(request.query),
            "next_id": ids[at + 1] if 0 <= at < len(ids) - 1 else None,
            "prev_id": ids[at - 1] if at > 0 else None,
            "can_resolve": allowed(current_staff(request).role, Permission.EXCEPTIONS_RESOLVE),
            "holds_money": item.suspense_entry_id is not None,
        },
    )


@routes.post("/exceptions/{exception_id}/allocate")
@require(Permission.EXCEPTIONS_RESOLVE)
async def allocate(request: web.Request) -> web.StreamResponse:
    org, exception_id = organization_id(request), path_id(request, "exception_id")
    form = await request.post()
    member_id = optional_int(form.get("member_id"), "member")
    group_id = optional_int(form.get("group_id"), "group")
    loan_id = optional_int(form.get("loan_id"), "loan")
    payee = str(form.get("payee", "") or "").strip()
    if member_id is None:
        if not payee:
            raise InvalidInput("choose a suggestion or type a payment code, phone or #member-id")
        async with console_db(request) as session:
            member_id, group_id = await find_payee(session, org, payee)
    raw_amount = optional_int(form.get("amount"), "amount")
    amount = Money(raw_amount, str(form.get("currency", "RWF") or "RWF")) if raw_amount else None
    await allocate_exception(
        deps(request).db,
        org,
        exception_id,
        member_id=member_id,
        group_id=group_id,
        loan_id=loan_id,
        amount=amount,
        actor=current_staff(request).actor,
        note=str(form.get("note", "") or ""),
    )
    raise web.HTTPSeeOther(_back(form, done=exception_id, what="allocated"))


@routes.post("/exceptions/{exception_id}/refund")
@require(Permission.EXCEPTIONS_RESOLVE)
async def refund(request: web.Request) -> web.StreamResponse:
    org, exception_id = organization_id(request), path_id(request, "exception_id")
    form = await request.post()
    await refund_exception(
        deps(request).db,
        org,
        exception_id,
        actor=current_staff(request).actor,
        note=str(form.get("note", "")),
    )
    raise web.HTTPSeeOther(_back(form, done=exception_id, what="refunded"))


@routes.post("/exceptions/{exception_id}/ignore")
@require(Permission.EXCEPTIONS_RESOLVE)
async def ignore(request: web.Request) -> web.StreamResponse:
    org, exception_id = organization_id(request), path_id(request, "exception_id")
    form = await request.post()
    await ignore_exception(
        deps(request).db,
        org,
        exception_id,
        actor=current_staff(request).actor,
        reason=str(form.get("reason", "")),
    )
    raise web.HTTPSeeOther(_back(form, done=exception_id, what="ignored"))


@routes.post("/exceptions/{exception_id}/undo")
@require(Permission.EXCEPTIONS_RESOLVE)
async def undo(request: web.Request) -> web.StreamResponse:
    org, exception_id = organization_id(request), path_id(request, "exception_id")
    form = await request.post()
    await undo_resolution(
        deps(request).db,
        org,
        exception_id,
        actor=current_staff(request).actor,
        reason=str(form.get("reason", "") or "undone from the console"),
    )
    raise web.HTTPSeeOther(f"{QUEUE}/{exception_id}")


@routes.post("/exceptions/bulk-allocate")
@require(Permission.EXCEPTIONS_RESOLVE)
async def bulk(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    form = await request.post()
    ids = [int(v) for v in form.getall("id", []) if isinstance(v, str) and v.isdigit()]
    if not ids:
        raise InvalidInput("tick the exceptions to allocate")
    outcome = await bulk_allocate(
        deps(request).db, org, actor=current_staff(request).actor, exception_ids=ids, limit=min(len(ids), 500)
    )
    raise web.HTTPSeeOther(_back(form, bulk=f"{len(outcome.allocated)}/{len(ids)}"))
