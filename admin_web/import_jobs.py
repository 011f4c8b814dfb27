"""Member imports running in the console process: started by an upload, polled by the progress page."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from aiohttp import web

from core.members.importer import ImportReport

MAX_KEPT = 200


@dataclass(slots=True)
class ImportJob:
    id: str
    organization_id: int
    report: ImportReport
    finished: bool = False
    failure: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, object]:
        r = self.report
        return {
            "total": r.total,
            "done": r.done,
            "created": r.created,
            "errors": [{"line": line, "error": why} for line, why in r.errors],
            "finished": self.finished,
            "failure": self.failure,
        }


@dataclass(slots=True)
class ImportJobs:
    jobs: dict[str, ImportJob] = field(default_factory=dict)

    def new(self, organization_id: int, total: int) -> ImportJob:
        if len(self.jobs) >= MAX_KEPT:
            for key in [k for k, j in self.jobs.items() if j.finished][: MAX_KEPT // 2]:
                del self.jobs[key]
        job = ImportJob(secrets.token_urlsafe(16), organization_id, ImportReport(total=total))
        self.jobs[job.id] = job
        return job

    def get(self, job_id: str, organization_id: int) -> ImportJob | None:
        """The job if it belongs to this organization (another's is as missing as an unknown one)."""
        job = self.jobs.get(job_id)
        return job if job is not None and job.organization_id == organization_id else None


IMPORT_JOBS = web.AppKey("console_import_jobs", ImportJobs)


def import_jobs(request: web.Request) -> ImportJobs:
    return request.config_dict[IMPORT_JOBS]
