"""The dashboard shell and the exceptions queue placeholder (the console issue fills both)."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.render import render
from core.identity.permissions import Permission
from core.organizations.models import Organization

routes = web.RouteTableDef()


@routes.get("/")
@require(Permission.DASHBOARD_VIEW)
async def dashboard(request: web.Request) -> web.StreamResponse:
    principal = current_staff(request)
    organization = None
    if principal.organization_id is not None:
        async with console_db(request) as session:
            organization = await session.get(Organization, principal.organization_id)
    return render(request, "dashboard.html", {"organization": organization})


@routes.get("/exceptions")
@require(Permission.EXCEPTIONS_VIEW)
async def exceptions(request: web.Request) -> web.StreamResponse:
    return render(request, "exceptions.html", {"items": []})
