"""Join requests left with the bot by unknown numbers: staff approve (creating the member) or reject."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.render import render
from admin_web.scoped import organization_id, path_id
from core.identity.permissions import Permission, allowed
from core.join_requests.service import approve_join_request, list_join_requests, reject_join_request

routes = web.RouteTableDef()


@routes.get("/join-requests")
@require(Permission.MEMBERS_VIEW)
async def pending(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        rows = await list_join_requests(session, organization_id(request))
    return render(
        request,
        "join_requests.html",
        {"rows": rows, "can_manage": allowed(current_staff(request).role, Permission.MEMBERS_MANAGE)},
    )


@routes.post("/join-requests/{request_id}/approve")
@require(Permission.MEMBERS_MANAGE)
async def approve(request: web.Request) -> web.StreamResponse:
    principal = current_staff(request)
    async with console_db(request) as session:
        member = await approve_join_request(
            session,
            organization_id(request),
            path_id(request, "request_id"),
            actor=principal.actor,
            staff_user_id=principal.staff_user_id,
        )
        member_id = member.id
    raise web.HTTPSeeOther(f"/console/members/{member_id}")


@routes.post("/join-requests/{request_id}/reject")
@require(Permission.MEMBERS_MANAGE)
async def reject(request: web.Request) -> web.StreamResponse:
    principal = current_staff(request)
    note = str((await request.post()).get("note", "") or "").strip() or None
    async with console_db(request) as session:
        await reject_join_request(
            session,
            organization_id(request),
            path_id(request, "request_id"),
            actor=principal.actor,
            note=note,
            staff_user_id=principal.staff_user_id,
        )
    raise web.HTTPSeeOther("/console/join-requests")
