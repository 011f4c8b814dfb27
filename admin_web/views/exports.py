"""Long exports: start one, watch its progress (polled by static/export.js), download the CSV when done.

The export is a console job (core.ops.console_jobs): the `reports.export` job writes the file onto its row
wherever the dispatcher runs it, so any console process serves the progress and the download."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.context import deps
from admin_web.render import render
from admin_web.scoped import organization_id
from core.errors import InvalidInput
from core.identity.permissions import Permission
from core.ops.console_jobs import MEMBER_BALANCES_EXPORT, job_output, job_state, open_job
from core.reports.exports import KINDS

routes = web.RouteTableDef()


@routes.post("/reports/exports")
@require(Permission.REPORTS_VIEW)
async def start(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    if str((await request.post()).get("kind", "member_balances")) not in KINDS:
        raise InvalidInput(f"exports are: {', '.join(KINDS)}")
    async with console_db(request) as session:
        token = await open_job(session, organization_id=org, kind=MEMBER_BALANCES_EXPORT,
                               staff_user_id=current_staff(request).staff_user_id)  # fmt: skip
    deps(request).run_job("reports.export", organization_id=org, token=token)
    raise web.HTTPSeeOther(f"/console/reports/exports/status?token={token}")


@routes.get("/reports/exports/status")
@require(Permission.REPORTS_VIEW)
async def status(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")
    async with console_db(request) as session:
        progress = await job_state(session, organization_id(request), token, kind=MEMBER_BALANCES_EXPORT)
    if request.headers.get("Accept", "").startswith("application/json"):
        return web.json_response(
            {"total": progress.total, "done": progress.done, "finished": progress.finished, "failure": progress.failure}
        )
    return render(request, "export.html", {"p": progress, "token": token})


@routes.get("/reports/exports/download")
@require(Permission.REPORTS_VIEW)
async def download(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        csv_bytes = await job_output(session, organization_id(request), request.query.get("token", ""))
    return web.Response(body=csv_bytes, headers={
        "Content-Disposition": 'attachment; filename="member-balances.csv"', "Content-Type": "text/csv; charset=utf-8",
    })  # fmt: skip
