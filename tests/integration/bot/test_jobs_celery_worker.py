"""Jobs run on a real Celery worker over the Redis broker, and in-process when there is no broker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.celery_app import make_celery
from bot.jobs import JobDispatcher
from bot.runtime import open_runtime
from core.db.database import Database
from core.ops.models import WorkerHeartbeat
from core.settings import Settings


async def _heartbeat_seen(db: Database, source: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.system() as s:
            if (await s.execute(select(WorkerHeartbeat.id).where(WorkerHeartbeat.source == source))).first():
                return True
        await asyncio.sleep(0.25)
    return False


@pytest.mark.celery
async def test_a_real_worker_runs_a_job_that_touches_the_database(
    settings: Settings, database_url: str, redis_url: str, db: Database, tmp_path: Path
) -> None:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=redis_url,
        REDIS_URL=redis_url,
        CELERY_QUEUE=queue,
        IBIMINA_DATA_DIR=str(tmp_path),
    )
    ibimina = Path(sys.executable).with_name("ibimina")
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [str(ibimina), "worker", "--pool", "solo", "-c", "1", "--loglevel", "INFO"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        app = make_celery(settings.model_copy(update={"celery_broker_url": redis_url, "celery_queue": queue}))
        source = f"celery-{queue}"
        app.send_task("ops.heartbeat", kwargs={"source": source}, queue=queue)
        seen = await _heartbeat_seen(db, source, timeout=60)
        assert seen, (tmp_path / "worker.log").read_text()[-3000:]
        assert worker.poll() is None, "the worker died"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()


async def test_without_a_broker_the_same_job_runs_in_process(settings: Settings, db: Database) -> None:
    rt = await open_runtime(settings.model_copy(update={"celery_broker_url": None}))
    try:
        jobs = JobDispatcher(rt, celery=None)
        source = f"inline-{uuid.uuid4().hex[:8]}"
        jobs.submit("ops.heartbeat", source=source)
        await jobs.drain()
        assert await _heartbeat_seen(db, source, timeout=5)
        with pytest.raises(KeyError):
            jobs.submit("no.such.job")
    finally:
        await rt.close()
