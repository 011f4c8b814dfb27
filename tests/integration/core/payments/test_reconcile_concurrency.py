"""Several workers on one batch, and a worker killed mid-batch: every payment is allocated exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import uuid
from pathlib import Path

from sqlalchemy import text

from core.db.database import Database
from core.ledger.check import check_ledger
from core.organizations.models import Organization
from core.payments.inbox import IncomingSms
from core.payments.reconcile import ReconcileOutcome, reconcile_messages
from tests.support.factories import make_group, make_member, make_organization
from tests.support.momo import code_of, mtn_received, store

ROOT = Path(__file__).parents[4]


async def _workload(db: Database, n: int, *, seed: int) -> tuple[Organization, dict[int, int]]:
    """An organization with 20 members and `n` stored payments (about 90% with a valid code).

    Returns the organization and the savings each member should end with.
    """
    rng = random.Random(seed)
    org = await make_organization(db)
    group = await make_group(db, org, contribution_amount=1000)
    members = [await make_member(db, org, group) for _ in range(20)]
    codes = {m.id: await code_of(db, org.id, m.id) for m in members}
    expected = dict.fromkeys(codes, 0)
    messages: list[IncomingSms] = []
    for i in range(n):
        amount = rng.choice((1000, 2000, 1500))
        if i % 10 == 9:
            messages.append(mtn_received(amount, "", phone="*********999"))
            continue
        member_id = rng.choice(list(codes))
        expected[member_id] += amount
        messages.append(mtn_received(amount, codes[member_id]))
    for start in range(0, n, 500):
        await store(db, org.id, *messages[start : start + 500])
    return org, expected


async def _assert_exactly_once(db: Database, org: Organization, expected: dict[int, int], n: int) -> None:
    async with db.tenant(org.id) as s:
        rows = await s.execute(text(
            "SELECT status, count(*) FROM sms_messages WHERE organization_id = :org GROUP BY status"), {"org": org.id})
        statuses = dict(rows.all())
        keys = (await s.execute(text(
            "SELECT count(*), count(DISTINCT idempotency_key) FROM ledger_entries "
            "WHERE organization_id = :org AND idempotency_key LIKE 'momo:%'"), {"org": org.id})).one()
        allocations = (await s.execute(text(
            "SELECT count(*), count(DISTINCT sms_message_id) FROM payment_allocations WHERE organization_id = :org"),
            {"org": org.id})).one()
        exceptions = (await s.execute(text(
            "SELECT count(*) FROM payment_exceptions WHERE organization_id = :org"), {"org": org.id})).scalar_one()
        savings = dict((await s.execute(text(
            "SELECT a.member_id, sum(b.balance) FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id "
            "WHERE a.organization_id = :org AND a.purpose = 'member_savings' GROUP BY a.member_id"),
            {"org": org.id})).all())
        unprocessed = (await s.execute(text(
            "SELECT count(*) FROM sms_messages WHERE organization_id = :org AND processed_at IS NULL"),
            {"org": org.id})).scalar_one()
        report = await check_ledger(s, organization_id=org.id)
    allocated = n - n // 10
    assert statuses == {"allocated": allocated, "exception": n // 10}
    assert tuple(keys) == (n, n)  # one ledger entry per mobile-money transaction, never two
    assert tuple(allocations) == (allocated, allocated)
    assert exceptions == n // 10 and unprocessed == 0
    assert {m: int(v) for m, v in savings.items()} == {m: v for m, v in expected.items() if v}
    assert report.ok, report.problems


async def test_concurrent_workers_on_separate_connections_allocate_each_payment_once(db: Database) -> None:
    n = 400
    org, expected = await _workload(db, n, seed=1)
    outcomes = await asyncio.gather(*(reconcile_messages(db, org.id, batch_size=15) for _ in range(4)))
    total = ReconcileOutcome()
    for outcome in outcomes:
        total.add(outcome)
    assert (total.claimed, total.allocated, total.exception) == (n, n - n // 10, n // 10)
    assert sum(1 for o in outcomes if o.claimed) >= 2  # the work really was shared
    await _assert_exactly_once(db, org, expected, n)


async def _spawn(database_url: str, org_id: int, batch: int, name: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.reconcile_worker", database_url, str(org_id), str(batch), name,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


async def test_worker_processes_and_asyncio_workers_share_one_backlog(db: Database, database_url: str) -> None:
    n = 600
    org, expected = await _workload(db, n, seed=2)
    names = [f"recon-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    procs = [await _spawn(database_url, org.id, 20, name) for name in names]
    for _ in range(3000):  # let the processes start claiming before the local workers join in
        await asyncio.sleep(0.01)
        async with db.tenant(org.id) as s:
            started = (await s.execute(text(
                "SELECT count(*) FROM sms_messages WHERE organization_id = :org AND processed_at IS NOT NULL"),
                {"org": org.id})).scalar_one()
        if started or any(p.returncode is not None for p in procs):
            break
    local = await asyncio.gather(*(reconcile_messages(db, org.id, batch_size=20) for _ in range(2)))
    claimed = sum(o.claimed for o in local)
    by_process = []
    for proc in procs:
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()[-2000:]
        by_process.append(json.loads(out.decode().strip().splitlines()[-1])["claimed"])
    assert claimed + sum(by_process) == n
    assert any(by_process), "no worker process took part"
    await _assert_exactly_once(db, org, expected, n)


async def test_a_worker_killed_mid_batch_loses_nothing_and_a_rerun_finishes_once(
    db: Database, owner_db: Database, database_url: str
) -> None:
    n = 1500
    org, expected = await _workload(db, n, seed=3)
    name = f"recon-kill-{uuid.uuid4().hex[:8]}"
    proc = await _spawn(database_url, org.id, 25, name)
    killed_in = None
    for _ in range(3000):
        await asyncio.sleep(0.01)
        async with owner_db.system() as s:
            state = (await s.execute(text(
                "SELECT state FROM pg_stat_activity WHERE application_name = :name AND xact_start IS NOT NULL"),
                {"name": name})).scalar_one_or_none()
            done = (await s.execute(text(
                "SELECT count(*) FROM sms_messages WHERE organization_id = :org AND processed_at IS NOT NULL"),
                {"org": org.id})).scalar_one()
        if state in ("active", "idle in transaction") and done > 0:
            proc.send_signal(signal.SIGKILL)
            killed_in = state
            break
    await proc.wait()
    assert killed_in is not None and proc.returncode == -signal.SIGKILL, "the worker finished before it was killed"
    for _ in range(500):  # the server notices the dead client and rolls its transaction back
        async with owner_db.system() as s:
            alive = (await s.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                                     {"name": name})).scalar_one()
        if not alive:
            break
        await asyncio.sleep(0.02)
    async with db.tenant(org.id) as s:
        left = (await s.execute(text(
            "SELECT count(*) FROM sms_messages WHERE organization_id = :org AND processed_at IS NULL"),
            {"org": org.id})).scalar_one()
    assert 0 < left < n  # killed part-way: some batches committed, the one in flight rolled back
    rerun = await reconcile_messages(db, org.id, batch_size=100)
    assert rerun.claimed == left
    await _assert_exactly_once(db, org, expected, n)
    # Nothing of this organization is left (the backlog sweep spans every test's organizations, so ask ours).
    assert (await reconcile_messages(db, org.id, batch_size=100)).claimed == 0
    async with db.tenant(org.id) as s:
        assert (await s.execute(text(
            "SELECT count(*) FROM sms_messages WHERE organization_id = :org AND processed_at IS NULL"),
            {"org": org.id})).scalar_one() == 0
