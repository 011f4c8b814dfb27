"""The organization's staff list and role changes (managers; a role change ends the colleague's sessions)."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.render import render
from core.errors import NotFound
from core.identity.permissions import Permission, allowed
from core.identity.roles import StaffRole
from core.identity.staff import change_staff_role, list_staff

routes = web.RouteTableDef()
ASSIGNABLE_ROLES = tuple(r for r in StaffRole if r is not StaffRole.PLATFORM_ADMIN)


@routes.get("/staff")
@require(Permission.STAFF_VIEW)
async def staff_list(request: web.Request) -> web.StreamResponse:
    principal = current_staff(request)
    async with console_db(request) as session:
        people = await list_staff(session, principal=principal)
    return render(
        request,
        "staff.html",
        {
            "people": people,
            "roles": ASSIGNABLE_ROLES,
            "can_manage": allowed(principal.role, Permission.STAFF_MANAGE),
            "me": principal.staff_user_id,
        },
    )


@routes.post("/staff/{staff_id}/role")
@require(Permission.STAFF_MANAGE)
async def change_role(request: web.Request) -> web.StreamResponse:
    raw = request.match_info["staff_id"]
    if not raw.isdigit():
        raise NotFound("no such staff user")
    role = str((await request.post()).get("role", ""))
    async with console_db(request) as session:
        await change_staff_role(
            session,
            principal=current_staff(request),
            staff_user_id=int(raw),
            role=role,
            request_id=request.get("request_id") if isinstance(request.get("request_id"), str) else None,
        )
    raise web.HTTPSeeOther("/console/staff")
