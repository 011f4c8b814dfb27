"""Delivery on a real Celery worker process over the real Redis broker: a provider that fails twice is
retried by Celery (acks_late task, countdown from the job) and the row ends sent after three attempts."""

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

from bot.celery_app import make_celery
from core.db.database import Database
from core.messaging.models import OutboxMessage
from core.messaging.outbox import enqueue_replies
from core.settings import Settings
from dialogs.vocabulary import Reply
from tests.support.provider_payloads import unique_phone

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.celery
async def test_a_real_worker_retries_a_failing_provider_until_sent(
    settings: Settings, database_url: str, redis_url: str, db: Database, tmp_path: Path
) -> None:
    queue = f"test-deliver-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, DATABASE_URL=database_url, CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url,
               CELERY_QUEUE=queue, IBIMINA_DATA_DIR=str(tmp_path))  # fmt: skip
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.support.flaky_worker", "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        async with db.system() as s:
            ids = await enqueue_replies(s, organization_id=None, member_id=None, channel="sms",
                                        recipient=unique_phone(), replies=[Reply("Loan approved")], dispatched=True)  # fmt: skip
        app = make_celery(settings.model_copy(update={"celery_broker_url": redis_url, "celery_queue": queue}))
        app.send_task("messaging.deliver", kwargs={"ids": ids}, queue=queue)
        deadline, row = time.monotonic() + 90, None
        while time.monotonic() < deadline:
            async with db.system() as s:
                row = await s.get(OutboxMessage, ids[0], populate_existing=True)
            if row is not None and row.status != "queued":
                break
            await asyncio.sleep(0.3)
        assert row is not None and (row.status, row.provider, row.attempts) == ("sent", "twilio", 3), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
        assert "Retry in" in (tmp_path / "worker.log").read_text()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
