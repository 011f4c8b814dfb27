"""Jobs run on a real Celery worker over the Redis broker, and in-process when there is no broker."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.celery_app import make_celery
from bot.jobs import JobDispatcher
from bot.runtime import open_runtime
from core.crypto.pii import PiiCipher
from core.db.database import Database
from core.members.importer import parse_members_csv, seal_rows
from core.members.search import search_members
from core.ops.console_jobs import MEMBER_IMPORT, job_state, open_job
from core.ops.models import ConsoleJob, WorkerHeartbeat
from core.settings import Settings
from tests.support.factories import make_organization, new_phone


async def _heartbeat_seen(db: Database, source: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.system() as s:
            if (await s.execute(select(WorkerHeartbeat.id).where(WorkerHeartbeat.source == source))).first():
                return True
        await asyncio.sleep(0.25)
    return False


@contextlib.contextmanager
def celery_worker(settings: Settings, database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Any]:
    """`ibimina worker` in its own process on a queue of its own; yields a Celery app that sends to it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=redis_url,
        REDIS_URL=redis_url,
        CELERY_QUEUE=queue,
        IBIMINA_DATA_DIR=str(tmp_path),
        PII_ENCRYPTION_KEYS=settings.pii_encryption_keys.get_secret_value(),  # the worker opens what we seal
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
        yield app
        assert worker.poll() is None, "the worker died"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()


@pytest.mark.celery
async def test_a_real_worker_runs_a_job_that_touches_the_database(
    settings: Settings, database_url: str, redis_url: str, db: Database, tmp_path: Path
) -> None:
    with celery_worker(settings, database_url, redis_url, tmp_path) as app:
        source = f"celery-{app.conf.task_default_queue}"
        app.send_task("ops.heartbeat", kwargs={"source": source}, queue=app.conf.task_default_queue)
        seen = await _heartbeat_seen(db, source, timeout=60)
        assert seen, (tmp_path / "worker.log").read_text()[-3000:]


@pytest.mark.celery
async def test_a_console_import_is_run_by_a_worker_and_watched_from_the_database(
    settings: Settings, database_url: str, redis_url: str, db: Database, tmp_path: Path
) -> None:
    """The console's member import on a Celery worker: the rows go sealed on the job row, the worker (another
    process, with the same PII keys) imports them, and the progress any console process reads is the row's."""
    org = await make_organization(db)
    phone = new_phone()
    rows = parse_members_csv(f"first_name,last_name,phone\nAline,Uwase,{phone}\nNo,Phone,\n".encode())
    async with db.tenant(org.id) as s:
        token = await open_job(s, organization_id=org.id, kind=MEMBER_IMPORT, total=len(rows),
                               input=seal_rows(rows, PiiCipher.from_settings(settings)))  # fmt: skip
    with celery_worker(settings, database_url, redis_url, tmp_path) as app:
        app.send_task("members.import", kwargs={"organization_id": org.id, "token": token},
                      queue=app.conf.task_default_queue)  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            async with db.tenant(org.id) as s:
                state = await job_state(s, org.id, token)
            if state.finished:
                break
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
            await asyncio.sleep(0.25)
    assert (state.status, state.done, state.created, [line for line, _ in state.errors]) == ("finished", 2, 1, [3])
    async with db.tenant(org.id) as s:
        assert [m.phone for m in await search_members(s, org.id, "Uwase")] == [phone]
        sealed = await s.scalar(select(ConsoleJob.input).where(ConsoleJob.token == token))
    assert sealed is None  # the rows (national IDs) do not outlive the import


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
