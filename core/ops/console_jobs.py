"""The console's long jobs as rows (migration 0020): opened by the page that starts one, run by whichever process
the job dispatcher picks (a Celery worker, or the web process itself without a broker), watched from any.

A redelivered job (Celery acknowledges late) that finds its row ended does nothing; one that finds it running
(its worker died) runs again from the start: an import then reports the members the first run created as
already registered, an export rewrites the whole file. Ended jobs are purged after RETENTION: an import's
errors and an export's file are personal data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.database import Database
from core.errors import NotFound
from core.ops.models import ConsoleJob

MEMBER_IMPORT = "members.import"
MEMBER_BALANCES_EXPORT = "export:member_balances"
RETENTION = timedelta(days=7)
ENDED = ("finished", "failed")


@dataclass(frozen=True, slots=True)
class JobState:
    token: str
    kind: str
    status: str
    total: int
    done: int
    created: int
    errors: tuple[tuple[int, str], ...]
    failure: str | None
    has_output: bool

    @property
    def finished(self) -> bool:
        return self.status in ENDED

    def as_json(self) -> dict[str, object]:
        return {"total": self.total, "done": self.done, "created": self.created, "finished": self.finished,
                "failure": self.failure, "errors": [{"line": line, "error": why} for line, why in self.errors]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TakenJob:
    """What a runner needs of its row, read when it starts."""

    kind: str
    input: str | None
    staff_user_id: int | None


async def open_job(session: AsyncSession, *, organization_id: int, kind: str, total: int = 0,
                   staff_user_id: int | None = None, input: str | None = None) -> str:  # fmt: skip
    """A queued job; returns its token (the page's handle). Commits with the caller's transaction."""
    token = secrets.token_urlsafe(18)
    session.add(ConsoleJob(organization_id=organization_id, token=token, kind=kind, total=total,
                           staff_user_id=staff_user_id, input=input, errors=[]))  # fmt: skip
    await session.flush()
    return token


async def _row(session: AsyncSession, organization_id: int, token: str) -> ConsoleJob:
    row = await session.scalar(
        select(ConsoleJob).where(ConsoleJob.organization_id == organization_id, ConsoleJob.token == token[:32])
    )
    if row is None:
        raise NotFound("There is no such job.")
    return row


async def job_state(session: AsyncSession, organization_id: int, token: str, *, kind: str | None = None) -> JobState:
    """The job as its page shows it; another organization's (or another kind's) is NotFound."""
    row = await _row(session, organization_id, token)
    if kind is not None and row.kind != kind:
        raise NotFound("There is no such job.")
    return JobState(row.token, row.kind, row.status, row.total, row.done, row.created,
                    tuple((int(e["line"]), str(e["error"])) for e in row.errors or []), row.failure,
                    row.output is not None)  # fmt: skip


async def job_output(session: AsyncSession, organization_id: int, token: str) -> bytes:
    row = await _row(session, organization_id, token)
    if row.output is None or row.status != "finished":
        raise NotFound("The file is not ready.")
    return row.output


async def take_job(db: Database, organization_id: int, token: str) -> TakenJob | None:
    """Mark the job running and return it; None when it has ended already (a redelivery)."""
    async with db.tenant(organization_id) as session:
        row = await _row(session, organization_id, token)
        if row.status in ENDED:
            return None
        row.status, row.updated_at = "running", func.now()
        return TakenJob(row.kind, row.input, row.staff_user_id)


async def report_progress(db: Database, organization_id: int, token: str, **values: Any) -> None:
    """Move the counters (total, done, created, errors) as the runner goes; each call its own transaction."""
    async with db.tenant(organization_id) as session:
        await session.execute(update(ConsoleJob).where(ConsoleJob.organization_id == organization_id,
                                                       ConsoleJob.token == token)
                              .values(updated_at=func.now(), **values))  # fmt: skip


async def end_job(db: Database, organization_id: int, token: str, *, failure: str | None = None,
                  output: bytes | None = None, **values: Any) -> None:  # fmt: skip
    """Finished (with an export's file) or failed (with why); the import's input is dropped either way."""
    await report_progress(db, organization_id, token, status="failed" if failure else "finished",
                          failure=failure[:300] if failure else None, output=output, input=None,
                          finished_at=func.now(), **values)  # fmt: skip


async def purge_console_jobs(db: Database, older_than: timedelta = RETENTION) -> int:
    """Forget ended jobs past the retention, with their errors and files (system scope)."""
    async with db.system() as session:
        result = await session.execute(
            delete(ConsoleJob).where(ConsoleJob.status.in_(ENDED), ConsoleJob.finished_at < func.now() - older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)
