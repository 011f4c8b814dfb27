"""CSV import of members: upload, a progress page polled by static/import.js, and a per-row error report."""

from __future__ import annotations

import asyncio

from aiohttp import web

from admin_web.auth import current_staff, require
from admin_web.context import deps
from admin_web.import_jobs import ImportJob, import_jobs
from admin_web.render import render
from admin_web.scoped import organization_id
from core.errors import InvalidInput, NotFound
from core.identity.permissions import Permission
from core.members.importer import COLUMNS, ImportReport, import_members, parse_members_csv

routes = web.RouteTableDef()


def _job(request: web.Request) -> ImportJob:
    job = import_jobs(request).get(request.query.get("job", ""), organization_id(request))
    if job is None:
        raise NotFound("There is no such import.")
    return job


@routes.get("/members/import")
@require(Permission.MEMBERS_MANAGE)
async def form(request: web.Request) -> web.StreamResponse:
    return render(request, "member_import.html", {"columns": COLUMNS, "job": None})


@routes.post("/members/import")
@require(Permission.MEMBERS_MANAGE)
async def start(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    upload = (await request.post()).get("file")
    if not isinstance(upload, web.FileField):
        raise InvalidInput("choose a CSV file")
    rows = parse_members_csv(upload.file.read())
    job = import_jobs(request).new(org, len(rows))
    ctx, actor = deps(request), current_staff(request).actor

    async def progress(report: ImportReport) -> None:
        job.report = report

    async def run() -> None:
        try:
            job.report = await import_members(ctx.db, org, rows, actor=actor, pii=ctx.pii, progress=progress)
        except Exception as exc:  # reported on the page; the rows done so far stay done
            job.failure = str(exc)[:300]
            raise
        finally:
            job.finished = True

    job.task = asyncio.get_running_loop().create_task(run())
    raise web.HTTPSeeOther(f"/console/members/import/status?job={job.id}")


@routes.get("/members/import/status")
@require(Permission.MEMBERS_MANAGE)
async def status(request: web.Request) -> web.StreamResponse:
    job = _job(request)
    if request.headers.get("Accept", "").startswith("application/json"):
        return web.json_response(job.as_json())
    return render(request, "member_import.html", {"columns": COLUMNS, "job": job, "state": job.as_json()})
