"""The reconcile jobs and command: the sweep picks up SMS left behind, `ibimina reconcile` runs a batch by hand."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner
from sqlalchemy import select, text

from bot.cli import main
from bot.jobs import JOBS, JobDispatcher
from bot.runtime import open_runtime
from core.db.database import Database
from core.payments.models import SmsMessage
from core.settings import Settings
from tests.support.factories import make_group, make_member, make_organization
from tests.support.momo import code_of, mtn_received, store


async def _statuses(db: Database, org_id: int) -> list[str]:
    async with db.tenant(org_id) as s:
        rows = await s.execute(select(SmsMessage.status).where(SmsMessage.organization_id == org_id)
                               .order_by(SmsMessage.id))
        return list(rows.scalars())


async def test_the_sweep_reconciles_sms_older_than_a_minute_and_leaves_younger_ones(
    settings: Settings, db: Database, owner_db: Database
) -> None:
    assert {"payments.reconcile", "payments.reconcile_backlog"} <= set(JOBS)
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    code = await code_of(db, org.id, member.id)
    old, young = await store(db, org.id, mtn_received(2000, code), mtn_received(2000, code))
    async with owner_db.system() as s:  # as if a worker had crashed two minutes ago
        await s.execute(text("UPDATE sms_messages SET created_at = now() - interval '2 minutes' WHERE id = :id"),
                        {"id": old.id})
    rt = await open_runtime(settings.model_copy(update={"celery_broker_url": None}))
    try:
        outcome = await JobDispatcher(rt, celery=None).run_inline("payments.reconcile_backlog")
    finally:
        await rt.close()
    assert outcome["allocated"] >= 1
    assert await _statuses(db, org.id) == ["allocated", "pending"]


async def test_the_reconcile_command_runs_a_batch_for_one_organization(database_url: str, db: Database,
                                                                       tmp_path) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    code = await code_of(db, org.id, member.id)
    await store(db, org.id, mtn_received(2000, code), mtn_received(500, ""))
    env = {"DATABASE_URL": database_url, "IBIMINA_DATA_DIR": str(tmp_path), "REDIS_URL": "", "CELERY_BROKER_URL": ""}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["reconcile", "--org", org.slug, "--json"], env=env)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output.strip().splitlines()[-1])
    assert (counts["allocated"], counts["exception"], counts["exception.no_reference"]) == (1, 1, 1)
    assert await _statuses(db, org.id) == ["allocated", "exception"]
