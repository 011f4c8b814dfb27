"""Platform admins: pick the organization to act in (or all); the session id rotates with the scope."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from admin_web.auth import HOME_PATH, client_info, require, see_other, session_token, set_session_cookie
from admin_web.context import deps
from admin_web.render import render
from core.errors import InvalidInput, NotFound
from core.identity.errors import InvalidToken
from core.identity.permissions import Permission
from core.identity.staff_sessions import rotate_session
from core.organizations.models import Organization

routes = web.RouteTableDef()


@routes.get("/scope")
@require(Permission.ORGANIZATIONS_MANAGE)
async def scope_form(request: web.Request) -> web.StreamResponse:
    async with deps(request).db.system() as session:  # listing every organization is the point here
        organizations = list(
            (await session.execute(select(Organization).order_by(Organization.name))).scalars()
        )
    return render(request, "scope.html", {"organizations": organizations})


@routes.post("/scope")
@require(Permission.ORGANIZATIONS_MANAGE)
async def scope_submit(request: web.Request) -> web.StreamResponse:
    ctx = deps(request)
    raw = str((await request.post()).get("organization_id", ""))
    chosen: int | None = None
    if raw:
        if not raw.isdigit():
            raise InvalidInput("pick an organization")
        async with ctx.db.system() as session:
            if await session.get(Organization, int(raw)) is None:
                raise NotFound("no such organization")
        chosen = int(raw)
    token = session_token(request)
    rotated = (
        await rotate_session(
            ctx.db, ctx.keys, token or "", client=client_info(request), active_organization_id=chosen
        )
        if token
        else None
    )
    if rotated is None:
        raise InvalidToken()
    response = see_other(HOME_PATH)
    set_session_cookie(response, ctx.settings, rotated[0])
    return response
