"""Ledger posting throughput next to pgbench (tpcb-like) on the same server, in the same run.

    python bench/ledger.py --seconds 10

Creates scratch databases (dropped afterwards), an organization with --members members, then posts
clearing -> member savings entries from --clients concurrent clients (spread over --processes processes,
like pgbench -j), each phase for --seconds:
  single          post_entry in db.tenant(), one entry per transaction, one audit event per entry
  single-noaudit  the same without the audit event (the per-organization audit chain serialises writers)
  lean            commit_entries: one entry per transaction in one round trip (scope, post, commit)
  batch           post_entries in db.tenant(), --batch entries per transaction, one audit event per batch
  sql             (diagnostic, not in the default phases) the single-entry posting function alone from
                  bare connections: the database's share of a one-entry transaction, without Python-side checks
then runs `pgbench -c <clients> -j 2 -T <seconds>` (tpcb-like, scale 10) and prints the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.autovacuum import analyze, analyzing, autovacuum_off  # noqa: E402
from bench.pgbench_reference import pgbench_tps  # noqa: E402
from bot.event_loop import run_event_loop  # noqa: E402
from core.audit.service import Actor  # noqa: E402
from core.db.database import Database  # noqa: E402
from core.db.migrate import upgrade  # noqa: E402
from core.db.roles import APP_ROLE  # noqa: E402
from core.ledger.chart import SystemAccount, ensure_member_savings_accounts, system_account_id  # noqa: E402
from core.ledger.check import check_ledger  # noqa: E402
from core.ledger.posting import commit_entries, post_entries, post_entry  # noqa: E402
from core.ledger.types import EntryKind, NewEntry, PostingSpec  # noqa: E402
from core.members.service import add_to_group, create_group, create_member  # noqa: E402
from core.money import Money  # noqa: E402
from core.organizations.service import create_organization  # noqa: E402
from tests.support.servers import create_database, drop_database, postgres_server_url  # noqa: E402

ACTOR = Actor.system("bench")
_SQL_ONLY = (
    "SELECT r.entry_id FROM (SELECT set_config('app.organization_id', $1::text, true) AS org) s, "
    "LATERAL ledger_post_entry(s.org::bigint, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) r"
)


@dataclass(frozen=True)
class Books:
    url: str
    org_id: int
    clearing: int
    savings: tuple[int, ...]


@dataclass(frozen=True)
class Job:
    books: Books
    phase: str  # single | single-noaudit | lean | batch | sql
    process: int
    clients: int
    batch: int
    start_at: float
    seconds: float


async def _setup(url: str, members: int) -> Books:
    db = Database(url, pool_size=2)
    try:
        async with db.system() as s:
            org = await create_organization(s, slug="bench", name="Bench SACCO", actor=ACTOR)
        async with db.tenant(org.id) as s:
            group = await create_group(
                s,
                organization_id=org.id,
                code="BENCH",
                name="Bench",
                contribution_amount=2000,
                contribution_frequency="weekly",
                meeting_day=2,
                actor=ACTOR,
            )
            people = []
            for i in range(members):
                m = await create_member(
                    s,
                    organization_id=org.id,
                    phone=f"+25078{i:07d}",
                    first_name="Bench",
                    last_name=f"Member {i}",
                    actor=ACTOR,
                )
                await add_to_group(s, member=m, group=group, actor=ACTOR)
                people.append(m.id)
            ids = await ensure_member_savings_accounts(s, org.id, [(m, group.id) for m in people])
            clearing = await system_account_id(s, org.id, SystemAccount.MTN_CLEARING)
        return Books(url, org.id, clearing, tuple(ids[(m, group.id)] for m in people))
    finally:
        await db.dispose()


def _entry(books: Books, rng: random.Random, key: str) -> NewEntry:
    amount = Money(rng.randrange(500, 20_000, 100), "RWF")
    savings = rng.choice(books.savings)
    return NewEntry(
        kind=EntryKind.CONTRIBUTION,
        postings=(PostingSpec.debit(books.clearing, amount), PostingSpec.credit(savings, amount)),
        idempotency_key=key,
        actor=ACTOR,
    )


async def _client(db: Database, job: Job, client: int) -> tuple[int, list[float]]:
    rng = random.Random(job.process * 1000 + client)
    b, org = job.books, job.books.org_id
    posted, latencies, i = 0, [], 0
    await asyncio.sleep(max(0.0, job.start_at - time.time()))  # every client starts together
    deadline = job.start_at + job.seconds
    while time.time() < deadline:
        prefix = f"{job.phase}:{job.process}:{client}:{i}"
        t0 = time.perf_counter()
        if (
            job.phase == "sql"
        ):  # the database side alone: the posting function, one statement, no Python checks
            e = _entry(b, rng, prefix)
            async with db.native_connection() as conn:
                await conn.fetch(
                    _SQL_ONLY,
                    str(org),
                    prefix,
                    e.kind,
                    "0" * 64,
                    None,
                    "system",
                    "bench",
                    "",
                    "{}",
                    None,
                    [p.account_id for p in e.postings],
                    [p.signed_amount for p in e.postings],
                    ["RWF", "RWF"],
                )
        elif job.phase == "lean":
            await commit_entries(db, org, [_entry(b, rng, prefix)])
        else:
            async with db.tenant(org) as s:
                if job.phase == "batch":
                    await post_entries(s, org, [_entry(b, rng, f"{prefix}:{k}") for k in range(job.batch)])
                else:
                    e = _entry(b, rng, prefix)
                    await post_entry(
                        s,
                        organization_id=org,
                        kind=e.kind,
                        postings=e.postings,
                        idempotency_key=e.idempotency_key,
                        actor=ACTOR,
                        audit=job.phase == "single",
                    )
        latencies.append(time.perf_counter() - t0)
        posted += job.batch if job.phase == "batch" else 1
        i += 1
    return posted, latencies


def _run_process(job: Job) -> tuple[int, list[float]]:
    async def main() -> tuple[int, list[float]]:
        db = Database(job.books.url, app_role=APP_ROLE, pool_size=job.clients)
        try:
            async with db.tenant(job.books.org_id) as s:  # warm the pool before the clock starts
                await s.execute(__import__("sqlalchemy").text("SELECT 1"))
            results = await asyncio.gather(*(_client(db, job, c) for c in range(job.clients)))
        finally:
            await db.dispose()
        return sum(r[0] for r in results), [x for r in results for x in r[1]]

    return run_event_loop(main())  # the loop the service and workers run on (uvloop where installed)


def _phase(
    books: Books, phase: str, clients: int, processes: int, batch: int, seconds: float, analyze_every: float
) -> tuple[float, float, float]:
    """entries/s, p50 ms, p99 ms (latency per transaction)."""
    per = [clients // processes + (1 if p < clients % processes else 0) for p in range(processes)]
    start_at = time.time() + 3.0
    jobs = [
        Job(books, phase, p, n, batch if phase == "batch" else 1, start_at, seconds)
        for p, n in enumerate(per)
        if n
    ]
    with analyzing(books.url, analyze_every), multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        results = pool.map(_run_process, jobs)
    entries = sum(r[0] for r in results)
    lat = sorted(x for r in results for x in r[1])
    p50 = lat[len(lat) // 2] * 1000 if lat else 0.0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0.0
    return entries / seconds, p50, p99


async def _check(url: str) -> str:
    db = Database(url, app_role=APP_ROLE, pool_size=1)
    try:
        async with db.system() as s:
            return (await check_ledger(s)).summary()
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2, help="client processes (pgbench uses -j 2)")
    parser.add_argument("--batch", type=int, default=250, help="entries per transaction on the batched path")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--phases", default="single,single-noaudit,lean,batch")
    parser.add_argument(
        "--batch-clients", type=int, default=None, help="clients on the batched path (default --clients)"
    )
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument(
        "--analyze-every", type=float, default=3.0, help="seconds; 0: never (only when autovacuum is off)"
    )
    args = parser.parse_args()

    os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    server = postgres_server_url()
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    # pgbench before and after the ledger phases: the machine's load may change while we run.
    tps_before = None if args.no_pgbench else pgbench_tps(server, args.clients, args.seconds)
    url, name = asyncio.run(create_database(server, prefix="ledger_bench"))
    try:
        asyncio.run(upgrade(url))
        t0 = time.perf_counter()
        books = asyncio.run(_setup(url, args.members))
        print(f"set-up: organization with {args.members} members in {time.perf_counter() - t0:.1f}s")
        if autovacuum_off(url) and args.analyze_every > 0:
            print(f"note: autovacuum is off on this server; ANALYZE runs every {args.analyze_every:g} s in its place")
        if args.analyze_every > 0:
            analyze(url)
        results: dict[str, float] = {}
        for phase in args.phases.split(","):
            clients = args.batch_clients or args.clients if phase == "batch" else args.clients
            rate, p50, p99 = _phase(
                books, phase, clients, min(args.processes, clients), args.batch, args.seconds, args.analyze_every
            )
            results[phase] = rate
            size = f"{args.batch}/tx" if phase == "batch" else "1/tx"
            print(
                f"ledger {phase:<15} {size:>7} x{clients} clients: {rate:7.0f} entries/s   "
                f"p50 {p50:7.2f} ms   p99 {p99:7.2f} ms per tx"
            )
        print(asyncio.run(_check(url)))
    finally:
        asyncio.run(drop_database(server, name))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if tps_before is None:
        return
    tps_after = pgbench_tps(server, args.clients, args.seconds)
    tps = (tps_before + tps_after) / 2
    print(
        f"pgbench tpcb-like -c {args.clients} -j 2 -T {args.seconds} (scale 10): {tps_before:.0f} tps before, "
        f"{tps_after:.0f} after, mean {tps:.0f}"
    )
    for phase, rate in results.items():
        target = 2.0 if phase == "batch" else 0.5  # "sql" is a diagnostic: the database side only
        verdict = "meets" if rate / tps >= target else "below"
        print(f"ratio ledger {phase}/pgbench: {rate / tps:5.2f}  ({verdict} the {target} target)")


if __name__ == "__main__":
    main()
