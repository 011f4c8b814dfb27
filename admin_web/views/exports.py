"""Long exports: start one, watch its progress (polled by static/export.js), download the CSV when done."""

from __future__ import annotations

import asyncio

from aiohttp import web

from admin_web.auth import require
from admin_web.context import deps
from admin_web.render import render
from admin_web.scoped import organization_id
from core.identity.permissions import Permission
from core.reports.exports import export_file, new_export, read_progress, run_export

routes = web.RouteTableDef()
RUNNING: web.AppKey[set[asyncio.Task[object]]] = web.AppKey("console_export_tasks")


@routes.post("/reports/exports")
@require(Permission.REPORTS_VIEW)
async def start(request: web.Request) -> web.StreamResponse:
    org, ctx = organization_id(request), deps(request)
    kind = str((await request.post()).get("kind", "member_balances"))
    token = new_export(ctx.settings.data_dir, org, kind)
    task = asyncio.get_running_loop().create_task(run_export(ctx.db, ctx.settings.data_dir, org, token, kind))
    running: set[asyncio.Task[object]] = request.config_dict[RUNNING]
    running.add(task)
    task.add_done_callback(running.discard)
    raise web.HTTPSeeOther(f"/console/reports/exports/status?token={token}")


@routes.get("/reports/exports/status")
@require(Permission.REPORTS_VIEW)
async def status(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")
    progress = read_progress(deps(request).settings.data_dir, organization_id(request), token)
    if request.headers.get("Accept", "").startswith("application/json"):
        return web.json_response(
            {
                "total": progress.total,
                "done": progress.done,
                "finished": progress.finished,
                "failure": progress.failure,
            }
        )
    return render(request, "export.html", {"p": progress, "token": token})


@routes.get("/reports/exports/download")
@require(Permission.REPORTS_VIEW)
async def download(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")
    path = export_file(deps(request).settings.data_dir, organization_id(request), token)
    return web.FileResponse(
        path,
        headers={
            "Content-Disposition": 'attachment; filename="member-balances.csv"',
            "Content-Type": "text/csv",
        },
    )
