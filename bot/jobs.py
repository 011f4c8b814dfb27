"""Background jobs: one registry of async job functions, run by Celery when a broker is set, else in-process.

A job is idempotent (Celery may deliver twice with acks_late); it receives the Runtime and JSON-able kwargs.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from bot.runtime import Runtime
from core.ops.service import heartbeat

log = logging.getLogger(__name__)
JobFn = Callable[..., Awaitable[Any]]


async def worker_heartbeat(rt: Runtime, *, source: str = "inline") -> int:
    return await heartbeat(rt.db, worker=f"{socket.gethostname()}", source=source)


# Explicit registry in priority order: name -> job function. Celery tasks are generated from it.
JOBS: dict[str, JobFn] = {
    "ops.heartbeat": worker_heartbeat,
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
        try:
            return await JOBS[name](self.runtime, **kwargs)
        except Exception:
            log.exception("inline job %s failed", name)
            raise

    async def drain(self) -> None:
        """Wait for in-process jobs (shutdown, tests)."""
        if self._inline:
            await asyncio.gather(*list(self._inline), return_exceptions=True)
