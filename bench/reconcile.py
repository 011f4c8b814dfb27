"""Reconciliation throughput next to pgbench (tpcb-like) on the same server, in the same run.

    python bench/reconcile.py --messages 100000 --seconds 30

Creates scratch databases (dropped afterwards). In the first: migrations, one organization with --groups
groups and --members members with payment codes. Generates --messages confirmation SMS: 90% carry a valid
code (across all members), the rest are spread over every exception class (no reference, words, unknown
code, bad check digit, ambiguous member, member without a group, duplicate, unparsed, amount refused by a
group rule, loan code). Then, timed:
  store      the forwarder's path, batched: store_messages_batch, 500 SMS per request/transaction;
  reconcile  reconcile_messages workers claiming SKIP LOCKED batches of --batch, posting through the ledger.
Both phases run in --processes processes (like pgbench -j 2) with --workers concurrent tasks each. It checks
that every payment was allocated exactly once and the ledger balances, then runs
`pgbench -c 8 -j 2 -T <seconds>` (tpcb-like, scale 10) in its own scratch database and prints the ratio of
allocated payments per second to pgbench's transactions per second (pgbench runs before and after the
phases, as the load of a shared machine moves; the ratio uses the mean). Where the server runs without
autovacuum, ANALYZE runs every --analyze-every seconds in its place (the ledger's plans depend on statistics).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bench.autovacuum import analyze, analyzing, autovacuum_off  # noqa: E402
from bench.pgbench_reference import pgbench_tps  # noqa: E402
from bench.reconcile_world import (  # noqa: E402
    REQUEST,
    Job,
    World,
    _messages,
    _setup,
)
from bot.event_loop import run_event_loop  # noqa: E402
from core.db.database import Database  # noqa: E402
from core.db.migrate import upgrade  # noqa: E402
from core.db.roles import APP_ROLE  # noqa: E402
from core.ledger.check import check_ledger  # noqa: E402
from core.payments.inbox import IncomingSms  # noqa: E402
from core.payments.inbox_batch import store_messages_batch  # noqa: E402
from core.payments.reconcile import reconcile_messages  # noqa: E402
from tests.support.servers import create_database, drop_database, postgres_server_url  # noqa: E402


async def _store_worker(db: Database, job: Job, chunks: list[list[IncomingSms]]) -> int:
    stored = 0
    for chunk in chunks:
        async with db.tenant(job.org_id) as s:
            stored += len(
                await store_messages_batch(s, organization_id=job.org_id, messages=chunk, source="forwarder")
            )
    return stored


def _run_process(job: Job) -> tuple[int, int, float]:
    """(SMS handled, payments allocated, finish time)."""

    async def main() -> tuple[int, int, float]:
        db = Database(job.url, app_role=APP_ROLE, pool_size=job.workers)
        try:
            async with db.tenant(job.org_id) as s:  # warm the pool and the imports before the clock starts
                await s.execute(text("SELECT 1"))
            await asyncio.sleep(max(0.0, job.start_at - time.time()))
            if job.phase == "store":
                msgs = [
                    IncomingSms(sender, body, datetime.fromisoformat(at)) for sender, body, at in job.messages
                ]
                chunks = [msgs[k : k + REQUEST] for k in range(0, len(msgs), REQUEST)]
                done = await asyncio.gather(
                    *(_store_worker(db, job, chunks[w :: job.workers]) for w in range(job.workers))
                )
                return sum(done), 0, time.time()
            outcomes = await asyncio.gather(
                *(reconcile_messages(db, job.org_id, batch_size=job.batch) for _ in range(job.workers))
            )
            return sum(o.claimed for o in outcomes), sum(o.allocated for o in outcomes), time.time()
        finally:
            await db.dispose()

    return run_event_loop(main())  # the loop the service and workers run on (uvloop where installed)


def _phase(
    world: World,
    phase: str,
    processes: int,
    workers: int,
    batch: int,
    messages: list[tuple[str, str, str]],
    analyze_every: float,
) -> tuple[int, int, float]:
    """Run a phase in `processes` processes from a common start; (SMS, allocated, seconds)."""
    start_at = time.time() + 4.0
    slices = (
        [tuple(messages[p::processes]) for p in range(processes)] if phase == "store" else [()] * processes
    )
    jobs = [
        Job(world.url, world.org_id, phase, workers, batch, slices[p], start_at) for p in range(processes)
    ]
    with analyzing(world.url, analyze_every), multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_run_process, jobs)
    return sum(r[0] for r in results), sum(r[1] for r in results), max(r[2] for r in results) - start_at


async def _verify(url: str, org_id: int) -> tuple[dict[str, int], dict[str, int], tuple[int, ...], str]:
    db = Database(url, app_role=APP_ROLE, pool_size=1)
    try:
        async with db.tenant(org_id) as s:
            statuses = dict(
                (await s.execute(text("SELECT status, count(*) FROM sms_messages GROUP BY status"))).all()
            )
            reasons = dict(
                (
                    await s.execute(text("SELECT reason, count(*) FROM payment_exceptions GROUP BY reason"))
                ).all()
            )
            counts = tuple(
                (
                    await s.execute(
                        text(
                            "SELECT (SELECT count(*) FROM payment_allocations), "
                            "(SELECT count(DISTINCT sms_message_id) FROM payment_allocations), "
                            "(SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE 'momo:%'), "
                            "(SELECT count(DISTINCT idempotency_key) FROM ledger_entries WHERE idempotency_key LIKE 'momo:%'), "
                            "(SELECT count(*) FROM sms_messages WHERE processed_at IS NULL "
                            "   AND status IN ('pending', 'unparsed', 'duplicate'))"
                        )
                    )
                ).one()
            )
            report = (await check_ledger(s, organization_id=org_id)).summary()
        return statuses, reasons, counts, report
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2, help="processes per phase (pgbench uses -j 2)")
    parser.add_argument(
        "--workers", type=int, default=2, help="concurrent forwarders/reconcilers per process"
    )
    parser.add_argument("--batch", type=int, default=500, help="SMS claimed per reconcile transaction")
    parser.add_argument("--seconds", type=int, default=30, help="pgbench duration")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--seed", type=int, default=20261005)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (prints its URL)")
    parser.add_argument(
        "--analyze-every", type=float, default=3.0, help="seconds; 0: never (autovacuum off only)"
    )
    args = parser.parse_args()

    os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    server = postgres_server_url()
    # pgbench runs before and after (the machine is shared: its load moves); the ratio uses their mean.
    tps_before = None if args.no_pgbench else pgbench_tps(server, 8, args.seconds)
    url, name = asyncio.run(create_database(server, prefix="recon_bench"))
    try:
        asyncio.run(upgrade(url))
        if autovacuum_off(url):
            print(
                "note       : autovacuum is off on this server; the bench runs ANALYZE "
                + (
                    f"every {args.analyze_every:g} s in its place"
                    if args.analyze_every > 0
                    else "once, after set-up"
                )
            )
        t0 = time.perf_counter()
        world = asyncio.run(_setup(url, args.groups, args.members, args.seed))
        analyze(url)
        print(
            f"set-up     : {args.groups} groups, {args.members} members with codes "
            f"({len(world.two_groups)} in two groups, {len(world.no_group)} in none) in {time.perf_counter() - t0:.1f}s"
        )
        messages, expected = _messages(world, args.messages, args.seed)
        print(
            f"generated  : {len(messages)} SMS, {expected['allocated']} with a valid code; exceptions "
            + ", ".join(f"{k} {v}" for k, v in sorted(expected.items()) if k != "allocated")
        )
        how = f"{args.processes} processes x {args.workers}"
        stored, _, t_store = _phase(
            world, "store", args.processes, args.workers, args.batch, messages, args.analyze_every
        )
        print(
            f"store      : {stored} SMS in {t_store:6.1f}s = {stored / t_store:8.0f} SMS/s "
            f"({how} forwarders, {REQUEST} SMS per request)"
        )
        analyze(url)  # what autovacuum would have done after 100k inserts (not timed)
        claimed, allocated, t_recon = _phase(
            world, "reconcile", args.processes, args.workers, args.batch, messages, args.analyze_every
        )
        print(
            f"reconcile  : {claimed} SMS in {t_recon:6.1f}s = {claimed / t_recon:8.0f} SMS/s; {allocated} allocated = "
            f"{allocated / t_recon:8.0f} payments/s ({how} workers, batches of {args.batch})"
        )
        total = t_store + t_recon
        print(
            f"end to end : {stored} SMS in {total:6.1f}s = {stored / total:8.0f} SMS/s; "
            f"{allocated / total:8.0f} allocated payments/s"
        )
        statuses, reasons, counts, report = asyncio.run(_verify(url, world.org_id))
        allocations, distinct_sms, entries, distinct_keys, left = counts
        ok = (
            allocations == distinct_sms == expected["allocated"] == statuses.get("allocated")
            and entries == distinct_keys
            and left == 0
            and all(reasons.get(k, 0) == v for k, v in expected.items() if k != "allocated")
        )
        print(
            f"checks     : {'OK' if ok else 'MISMATCH'}: {allocations} allocations of {distinct_sms} SMS, "
            f"{entries} payment entries with {distinct_keys} keys, {left} left unprocessed; {report}"
        )
        if not ok:
            print(f"             statuses {statuses}; reasons {reasons}; expected {dict(expected)}")
        if tps_before is None:
            return
        tps_after = pgbench_tps(server, 8, args.seconds)
        tps = (tps_before + tps_after) / 2
        print(
            f"pgbench    : tpcb-like, scale 10, -c 8 -j 2 -T {args.seconds}: {tps_before:.0f} TPS before, "
            f"{tps_after:.0f} TPS after, mean {tps:.0f} TPS"
        )
        print(
            f"ratio      : allocated payments/s while reconciling / pgbench TPS = {allocated / t_recon / tps:5.2f} "
            f"(target >= 2); end to end = {allocated / total / tps:5.2f}"
        )
    finally:
        if args.keep:
            print(f"kept       : {url}")
        else:
            asyncio.run(drop_database(server, name))


if __name__ == "__main__":
    main()
