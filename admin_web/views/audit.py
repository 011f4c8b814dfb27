"""The audit log with filters, and the result of recomputing the organization's hash chain."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from admin_web.auth import console_db, require
from admin_web.render import render
from admin_web.scoped import kept_query, optional_int, organization_id
from core.audit.service import verify_chain
from core.errors import InvalidInput
from core.identity.permissions import Permission
from core.reports.audit_log import AuditFilter, audit_events


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInput("dates are written YYYY-MM-DD") from None


routes = web.RouteTableDef()


@routes.get("/audit")
@require(Permission.AUDIT_VIEW)
async def audit(request: web.Request) -> web.StreamResponse:
    q = request.query
    f = AuditFilter(
        action=q.get("action", "").strip()[:64],
        actor=q.get("actor", "").strip()[:80],
        object_type=q.get("object_type", "").strip()[:64],
        object_id=q.get("object_id", "").strip()[:64],
        since=_day(q.get("since", "")),
        until=_day(q.get("until", "")),
    )
    async with console_db(request) as session:
        page = await audit_events(
            session, organization_id(request), f, before_id=optional_int(q.get("before"), "before")
        )
        chain = await verify_chain(session) if q.get("verify") else None
    kept = kept_query(q, drop=("before", "verify"))
    return render(request, "audit.html", {"page": page, "f": f, "chain": chain, "kept": kept})
