"""The Celery app wired to CELERY_BROKER_URL; every job of bot.jobs.JOBS becomes an acks_late task.

Each worker process keeps one event loop and one Runtime, so a task does not build an engine per call.
"""

from __future__ import annotations

import asyncio
from typing import Any

from celery import Celery
from celery.schedules import crontab

from bot.event_loop import runner
from bot.jobs import JOBS, TASK_OPTIONS
from bot.runtime import Runtime, open_runtime
from core.messaging.errors import RetryLater
from core.settings import Settings, load_settings

_runner: asyncio.Runner | None = None
_runtime: Runtime | None = None
_settings: Settings | None = None


def make_celery(settings: Settings) -> Celery:
    broker = settings.celery_broker_url or "memory://"
    app = Celery("ibimina", broker=broker, backend=settings.redis_url or None)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.celery_queue,
        broker_connection_retry_on_startup=True,
        timezone="Africa/Kigali",
        beat_schedule={
            "heartbeat": {"task": "ops.heartbeat", "schedule": 60.0, "kwargs": {"source": "beat"}},
            "outbox-sweep": {"task": "messaging.sweep", "schedule": 60.0},
            "reconcile-backlog": {"task": "payments.reconcile_backlog", "schedule": 60.0},
            "loan-arrears": {"task": "loans.arrears", "schedule": crontab(hour=5, minute=0)},  # 07:00 Kigali
        },
    )
    for name in JOBS:
        app.task(name=name, bind=True, acks_late=True, **TASK_OPTIONS.get(name, {}))(_task_body(name))
    return app


def _task_body(name: str) -> Any:
    def run(self: Any, **kwargs: Any) -> Any:
        try:
            return _loop().run(_call(name, kwargs))
        except RetryLater as exc:  # transient (provider busy, paced): Celery re-queues with the job's delay
            raise self.retry(countdown=exc.delay, max_retries=exc.max_retries) from exc

    run.__name__ = name.replace(".", "_")
    return run


async def _call(name: str, kwargs: dict[str, Any]) -> Any:
    global _runtime
    if _runtime is None:
        _runtime = await open_runtime(_settings or load_settings())
    return await JOBS[name](_runtime, **kwargs)


def _loop() -> asyncio.Runner:
    global _runner
    if _runner is None:
        _runner = runner()  # the service's loop (uvloop where installed)
    return _runner


def configure(settings: Settings) -> Celery:
    """Build the app for `ibimina worker`/`beat` with already-loaded settings."""
    global _settings, celery_app
    _settings = settings
    celery_app = make_celery(settings)
    return celery_app


celery_app: Celery | None = None
