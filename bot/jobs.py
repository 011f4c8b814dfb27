"""Background jobs: one registry of async job functions, run by Celery when a broker is set, else in-process.

A job is idempotent (Celery may deliver twice with acks_late); it receives the Runtime and JSON-able kwargs.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.delivery_jobs import deliver_outbox, sweep_outbox
from bot.runtime import Runtime
from core.crypto.pii import PiiCipher
from core.loans.daily import daily_arrears
from core.members.importer import run_import_job
from core.messaging.errors import RetryLater
from core.ops.service import heartbeat
from core.payments.reconcile import reconcile_backlog, reconcile_messages
from core.reports.exports import run_export_job
from dialogs.loan_notices import render_notice

log = logging.getLogger(__name__)
JobFn = Callable[..., Awaitable[Any]]


async def worker_heartbeat(rt: Runtime, *, source: str = "inline") -> int:
    return await heartbeat(rt.db, worker=f"{socket.gethostname()}", source=source)


async def reconcile_payments(
    rt: Runtime, *, organization_id: int, sms_ids: list[int] | None = None
) -> dict[str, int]:
    """Allocate newly stored SMS (or all of the organization's unprocessed ones); safe to run twice."""
    return (await reconcile_messages(rt.db, organization_id, sms_ids)).as_dict()


async def reconcile_sweep(rt: Runtime, *, older_than_seconds: int = 60) -> dict[str, int]:
    """Beat: reconcile SMS a crashed worker or a lost job left unprocessed for longer than a minute."""
    return (await reconcile_backlog(rt.db, older_than=timedelta(seconds=older_than_seconds))).as_dict()


async def loan_arrears(rt: Runtime, *, today: str | None = None) -> dict[str, int]:
    """Daily: mark late instalments, charge penalties (once per instalment and period), queue reminders."""
    day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    return await daily_arrears(rt.db, day, render_notice)


async def reports_export(rt: Runtime, *, organization_id: int, token: str) -> dict[str, int | None]:
    """A console export (its console job's token); a redelivery after it ended does nothing."""
    return {"done": await run_export_job(rt.db, organization_id, token)}


async def members_import(rt: Runtime, *, organization_id: int, token: str) -> dict[str, int | None]:
    """A console member import (its console job's token, the rows sealed on it)."""
    report = await run_import_job(rt.db, PiiCipher.from_settings(rt.settings), organization_id, token)
    return {"created": report.created if report else None}


# Explicit registry in priority order: name -> job function. Celery tasks are generated from it.
JOBS: dict[str, JobFn] = {
    "ops.heartbeat": worker_heartbeat,
    "messaging.deliver": deliver_outbox,
    "messaging.sweep": sweep_outbox,
    "payments.reconcile": reconcile_payments,
    "payments.reconcile_backlog": reconcile_sweep,
    "loans.arrears": loan_arrears,
    "reports.export": reports_export,
    "members.import": members_import,
}
# Celery options per job (rate limits are per worker; cross-process pacing is in core.messaging.pacing).
TASK_OPTIONS: dict[str, dict[str, Any]] = {
    "messaging.deliver": {"rate_limit": "100/s"},
}


class JobDispatcher:
    """Sends a job to Celery, or without a broker schedules the same function on this event loop."""

    def __init__(self, runtime: Runtime, celery: Any | None = None) -> None:
        self.runtime = runtime
        self.celery = celery
        self._inline: set[asyncio.Task[Any]] = set()

    def submit(self, name: str, **kwargs: Any) -> None:
        if name not in JOBS:
            raise KeyError(f"unknown job {name!r}")
        if self.celery is not None:
            self.celery.send_task(name, kwargs=kwargs)
            return
        task = asyncio.get_running_loop().create_task(self.run_inline(name, **kwargs))
        self._inline.add(task)
        task.add_done_callback(self._inline.discard)

    async def run_inline(self, name: str, **kwargs: Any) -> Any:
        """Run now; a RetryLater reruns it after its delay, as Celery would, up to its max_retries."""
        retries = 0
        while True:
            try:
                return await JOBS[name](self.runtime, **kwargs)
            except RetryLater as exc:
                retries += 1
                if retries > exc.max_retries:
                    log.error("inline job %s gave up after %d retries: %s", name, retries - 1, exc.reason)
                    return None
                await asyncio.sleep(exc.delay)
            except Exception:
                log.exception("inline job %s failed", name)
                raise

    async def drain(self) -> None:
        """Wait for in-process jobs (shutdown, tests)."""
        if self._inline:
            await asyncio.gather(*list(self._inline), return_exceptions=True)
