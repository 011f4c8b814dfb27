"""CSV import of members: upload, a progress page polled by static/import.js, and a per-row error report.

The rows go onto a console job (core.ops.console_jobs, sealed with the PII cipher) and the `members.import`
job imports them wherever the dispatcher runs it; any console process shows its progress."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.context import deps
from admin_web.render import render
from admin_web.scoped import organization_id
from core.errors import InvalidInput
from core.identity.permissions import Permission
from core.members.importer import COLUMNS, parse_members_csv, seal_rows
from core.ops.console_jobs import MEMBER_IMPORT, job_state, open_job

routes = web.RouteTableDef()


@routes.get("/members/import")
@require(Permission.MEMBERS_MANAGE)
async def form(request: web.Request) -> web.StreamResponse:
    return render(request, "member_import.html", {"columns": COLUMNS, "job": None})


@routes.post("/members/import")
@require(Permission.MEMBERS_MANAGE)
async def start(request: web.Request) -> web.StreamResponse:
    org, ctx = organization_id(request), deps(request)
    upload = (await request.post()).get("file")
    if not isinstance(upload, web.FileField):
        raise InvalidInput("choose a CSV file")
    rows = parse_members_csv(upload.file.read())
    async with console_db(request) as session:
        token = await open_job(session, organization_id=org, kind=MEMBER_IMPORT, total=len(rows),
                               staff_user_id=current_staff(request).staff_user_id, input=seal_rows(rows, ctx.pii))  # fmt: skip
    ctx.run_job("members.import", organization_id=org, token=token)
    raise web.HTTPSeeOther(f"/console/members/import/status?job={token}")


@routes.get("/members/import/status")
@require(Permission.MEMBERS_MANAGE)
async def status(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        job = await job_state(session, organization_id(request), request.query.get("job", ""), kind=MEMBER_IMPORT)
    if request.headers.get("Accept", "").startswith("application/json"):
        return web.json_response(job.as_json())
    return render(request, "member_import.html", {"columns": COLUMNS, "job": job, "state": job.as_json()})
