"""The dashboard: collections today and this month, the open queue, loans awaiting review, a chart per day."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.charts import bar_chart
from admin_web.render import render
from core.identity.permissions import Permission
from core.organizations.models import Organization
from core.reports.dashboard import dashboard_figures

routes = web.RouteTableDef()


@routes.get("/")
@require(Permission.DASHBOARD_VIEW)
async def dashboard(request: web.Request) -> web.StreamResponse:
    principal = current_staff(request)
    organization = figures = chart = None
    if principal.organization_id is not None:
        async with console_db(request) as session:
            organization = await session.get(Organization, principal.organization_id)
            figures = await dashboard_figures(session, principal.organization_id)
        chart = bar_chart([(d.day, d.amount) for d in figures.per_day])
    return render(
        request,
        "dashboard.html",
        {
            "organization": organization,
            "figures": figures,
            "chart": chart,
            "currency": organization.currency if organization else "RWF",
        },
    )
