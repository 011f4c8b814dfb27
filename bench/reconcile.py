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
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from core.audit.service import Actor  # noqa: E402
from core.db.database import Database  # noqa: E402
from core.db.migrate import upgrade  # noqa: E402
from core.db.roles import APP_ROLE  # noqa: E402
from core.db.urls import libpq_dsn  # noqa: E402
from core.ledger.check import check_ledger  # noqa: E402
from core.members.models import Group, GroupMembership, Member  # noqa: E402
from core.organizations.service import create_organization  # noqa: E402
from core.payments.allocation import allocator_for  # noqa: E402
from core.payments.codes import damm_is_valid, generate_code, payload_bounds  # noqa: E402
from core.payments.inbox import IncomingSms  # noqa: E402
from core.payments.inbox_batch import store_messages_batch  # noqa: E402
from core.payments.models import PaymentCode  # noqa: E402
from core.payments.recon_models import GroupAmountRule  # noqa: E402
from core.payments.reconcile import reconcile_messages  # noqa: E402
from tests.support.servers import create_database, drop_database, postgres_server_url  # noqa: E402

ACTOR = Actor.system("bench")
FIRST = ["Jean", "Marie", "Claude", "Alice", "Eric", "Diane", "Patrick", "Grace", "Emmanuel", "Aline", "Olivier", "Chantal", "Innocent", "Josiane", "Theogene", "Vestine", "Eugene", "Solange"] + ["Jean Bosco", "Marie Claire"]
LAST = ["HABIMANA", "UWASE", "MUGISHA", "NIYONZIMA", "UWAMAHORO", "MUKAMANA", "NSENGIMANA", "IRADUKUNDA", "NDAYISABA", "UMUTONI", "HAKIZIMANA", "MUKESHIMANA", "BIZIMANA", "NYIRAHABIMANA", "TUYISENGE", "KAYITESI", "NDAYAMBAJE", "UWIMANA", "TWAGIRAMUNGU", "MUHIRE", "NIYITEGEKA", "MUREKATETE", "GASANA", "KAMANZI"]
MTN = (
    "You have received {amount} RWF from {name} ({phone}) at {ts} . Message from sender: {ref}. "
    "Balance:{balance} RWF. FT Id: {txn}"
)
AIRTEL = "*151*Txn ID {txn}*R You have received RWF {amount} from {phone9} {name}.Your NEW BALANCE is RWF {balance}. *EN#"
EXCEPTION_CLASSES = tuple(
    ["no_reference", "unrecognised_reference", "unknown_code", "bad_check_digit", "ambiguous_member", "no_group", "duplicate", "unparsed", "amount_mismatch", "loan_unsupported"]
)
REQUEST = 500  # SMS per forwarder request (the endpoint's maximum)
# The bench's loan codes name loans that do not exist: refused by a loan allocator, or no loan allocator at all.
LOAN_REASON = "loan_unsupported" if allocator_for("loan_repayment") is None else "target_refused"


@dataclass(frozen=True)
class Person:
    member_id: int
    name: str
    phone: str
    codes: tuple[tuple[str, int, int], ...]  # (code, group id, contribution)


@dataclass(frozen=True)
class World:
    url: str
    org_id: int
    people: tuple[Person, ...]  # in exactly one group
    two_groups: tuple[Person, ...]
    no_group: tuple[Person, ...]
    strict: tuple[Person, ...]  # in a group whose rules refuse other amounts
    loan_codes: tuple[str, ...]
    used_codes: frozenset[str]


@dataclass(frozen=True)
class Job:
    url: str
    org_id: int
    phase: str  # store | reconcile
    workers: int
    batch: int
    messages: tuple[tuple[str, str, str], ...]  # (sender, body, received_at ISO) for the store phase
    start_at: float


async def _setup(url: str, groups: int, members: int, seed: int) -> World:
    rng = random.Random(seed)
    db = Database(url, pool_size=2)
    try:
        async with db.system() as s:
            org = await create_organization(s, slug="bench", name="Bench SACCO", actor=ACTOR)
        async with db.tenant(org.id) as s:
            group_rows = [
                {
                    "organization_id": org.id,
                    "code": f"G{g:03d}",
                    "name": f"Itsinda {g}",
                    "contribution_amount": rng.choice((1000, 2000, 5000)),
                    "contribution_frequency": "weekly",
                    "meeting_day": 1 + g % 7,
                    "status": "active",
                }
                for g in range(groups)
            ]
            gids = list(
                (
                    await s.execute(insert(Group).returning(Group.id, Group.contribution_amount), group_rows)
                ).all()
            )
            strict_groups = {gid for gid, _ in gids[:2]}
            await s.execute(
                insert(GroupAmountRule),
                [
                    {
                        "organization_id": org.id,
                        "group_id": g,
                        "overpayment": "exception",
                        "underpayment": "exception",
                    }
                    for g in strict_groups
                ],
            )
            member_rows = [
                {
                    "organization_id": org.id,
                    "phone": f"+25078{i:07d}",
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "language": "rw",
                    "status": "active",
                }
                for i in range(members)
            ]
            mids: list[int] = []
            for start in range(0, members, 2000):
                chunk = member_rows[start : start + 2000]
                mids += [
                    m
                    for (m,) in (
                        await s.execute(
                            insert(Member).returning(Member.id, sort_by_parameter_order=True), chunk
                        )
                    ).all()
                ]
            n_two, n_none = members // 50, members // 100
            memberships: list[dict[str, object]] = []
            codes: list[dict[str, object]] = []
            used: set[str] = set()
            low, high = payload_bounds(8)

            def fresh_code() -> str:
                while True:
                    code = generate_code(rng.randrange(low, high))
                    if code not in used:
                        used.add(code)
                        return code

            people, two, none, strict = [], [], [], []
            for i, mid in enumerate(mids):
                row = member_rows[i]
                name, phone = f"{row['first_name']} {row['last_name']}", str(row["phone"])
                if i < n_none:
                    none.append(Person(mid, name, phone, ()))
                    continue
                chosen = rng.sample(gids, 2) if i < n_none + n_two else [rng.choice(gids)]
                mine = []
                for gid, amount in chosen:
                    memberships.append(
                        {"organization_id": org.id, "group_id": gid, "member_id": mid, "role": "member"}
                    )
                    code = fresh_code()
                    codes.append(
                        {
                            "organization_id": org.id,
                            "code": code,
                            "purpose": "contribution",
                            "member_id": mid,
                            "group_id": gid,
                            "loan_id": None,
                            "status": "active",
                        }
                    )
                    mine.append((code, gid, amount))
                person = Person(mid, name, phone, tuple(mine))
                if len(mine) == 2:
                    two.append(person)
                elif mine[0][1] in strict_groups:
                    strict.append(person)
                else:
                    people.append(person)
            loans = []
            for k in range(20):
                code = fresh_code()
                loans.append(code)
                codes.append(
                    {
                        "organization_id": org.id,
                        "code": code,
                        "purpose": "loan_repayment",
                        "member_id": people[k].member_id,
                        "group_id": None,
                        "loan_id": 1000 + k,
                        "status": "active",
                    }
                )
            for table, rows in ((GroupMembership, memberships), (PaymentCode, codes)):
                for start in range(0, len(rows), 2000):
                    await s.execute(insert(table), rows[start : start + 2000])
        return World(
            url, org.id, tuple(people), tuple(two), tuple(none), tuple(strict), tuple(loans), frozenset(used)
        )
    finally:
        await db.dispose()


def _messages(world: World, n: int, seed: int) -> tuple[list[tuple[str, str, str]], Counter[str]]:
    """The SMS to ingest and what reconciling them must give (allocated, and exceptions per reason)."""
    rng = random.Random(seed)
    expected: Counter[str] = Counter()
    out: list[tuple[str, str, str]] = []
    base = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)
    exceptional = set(rng.sample(range(n), n // 10))
    order = list(exceptional)
    rng.shuffle(order)
    kind_of = {i: EXCEPTION_CLASSES[k % len(EXCEPTION_CLASSES)] for k, i in enumerate(order)}
    sent: list[str] = []  # MTN bodies sent so far (duplicates repeat one with other spacing)

    def mtn(i: int, amount: int, ref: str, person: Person | None = None) -> str:
        name = (
            person.name.upper()
            if person and rng.random() < 0.5
            else (person.name if person else "Umuntu WESE")
        )
        phone = "*********" + (person.phone[-3:] if person else f"{rng.randrange(1000):03d}")
        ts = (base + timedelta(seconds=7 * i)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return MTN.format(
            amount=f"{amount:,}",
            name=name,
            phone=phone,
            ts=ts,
            ref=ref,
            balance=f"{rng.randrange(10**4, 10**7):,}",
            txn=f"8{i:010d}",
        )

    for i in range(n):
        kind = kind_of.get(i, "valid")
        received = (base + timedelta(seconds=7 * i + 3)).isoformat()
        person = rng.choice(world.people)
        code, _, amount = person.codes[0]
        if kind == "valid":
            if rng.random() < 0.05:
                person = rng.choice(world.strict)
                code, _, amount = person.codes[0]
            else:
                amount = rng.choice((amount, amount, amount, amount * 2, amount // 2 or 500))
            body = mtn(i, amount, rng.choice((code, f"ref {code}", f"{code[:4]} {code[4:]}")), person)
            expected["allocated"] += 1
        elif kind == "no_reference":
            body = mtn(i, amount, "", person)
        elif kind == "unrecognised_reference":
            body = mtn(i, amount, rng.choice(("umusanzu", "ikimina cyacu", "contribution")), person)
        elif kind == "unknown_code":
            while True:
                unknown = generate_code(rng.randrange(*payload_bounds(8)))
                if unknown not in world.used_codes:
                    break
            body = mtn(i, amount, unknown, person)
        elif kind == "bad_check_digit":
            wrong = code[:-1] + str((int(code[-1]) + 1 + rng.randrange(8)) % 10)
            assert not damm_is_valid(wrong)
            body = mtn(i, amount, wrong, person)
        elif kind in ("ambiguous_member", "no_group"):
            who = rng.choice(world.two_groups if kind == "ambiguous_member" else world.no_group)
            body = AIRTEL.format(
                txn=f"CI261005.{i:010d}",
                amount=amount,
                phone9=who.phone[-9:],
                name=who.name.upper(),
                balance=rng.randrange(10**6),
            )
        elif kind == "duplicate" and sent:
            body = sent.pop(rng.randrange(len(sent))).replace(" RWF from ", " RWF  from ", 1)
        elif kind == "unparsed" or kind == "duplicate":
            kind = "unparsed"
            body = f"Y'ello! Kanda *182*16# ubone {rng.randrange(1, 99)}% bonus kuri MoMo. Ref {i}"
        elif kind == "amount_mismatch":
            strict = rng.choice(world.strict)
            body = mtn(i, strict.codes[0][2] * 3, strict.codes[0][0], strict)
        else:  # loan_unsupported
            body = mtn(i, amount, rng.choice(world.loan_codes), person)
        if kind != "valid":
            expected[LOAN_REASON if kind == "loan_unsupported" else kind] += 1
        if body.startswith("You have received") and "  from " not in body:
            sent.append(body)
        out.append(("AirtelMoney" if body.startswith("*151*") else "M-Money", body, received))
    return out, expected


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

    return asyncio.run(main())


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
    stop = threading.Event()
    analyzer = threading.Thread(target=_analyze_while, args=(world.url, stop, analyze_every), daemon=True)
    if analyze_every > 0:
        analyzer.start()
    try:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            results = pool.map(_run_process, jobs)
    finally:
        stop.set()
        if analyzer.is_alive():
            analyzer.join()
    return sum(r[0] for r in results), sum(r[1] for r in results), max(r[2] for r in results) - start_at


# The ledger's posting function plans from statistics; reconciliation's own lookups are index probes either way.
ANALYZED = "ledger_entries, ledger_postings, ledger_balances, ledger_accounts"


def _analyze_while(url: str, stop: threading.Event, every: float) -> None:
    """Stand in for autovacuum's ANALYZE when the server runs without autovacuum (statistics drive the plans)."""

    async def loop() -> None:
        conn = await asyncpg.connect(libpq_dsn(url))
        try:
            if await conn.fetchval("SHOW autovacuum") == "on":
                return
            while not stop.wait(every):
                await conn.execute(f"ANALYZE {ANALYZED}")
        finally:
            await conn.close()

    asyncio.run(loop())


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


async def _analyze(url: str) -> None:
    conn = await asyncpg.connect(libpq_dsn(url))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _autovacuum_off(url: str) -> bool:
    async def ask() -> bool:
        conn = await asyncpg.connect(libpq_dsn(url))
        try:
            return bool(await conn.fetchval("SHOW autovacuum") != "on")
        finally:
            await conn.close()

    return asyncio.run(ask())


def _pgbench(server: str, clients: int, seconds: int) -> float:
    exe = shutil.which("pgbench")
    if exe is None:
        raise SystemExit("pgbench is not installed (apt-get install postgresql-client)")
    url, name = asyncio.run(create_database(server, prefix="recon_bench_pgb"))
    dsn = libpq_dsn(url)
    try:
        subprocess.run([exe, "-i", "-s", "10", "-q", dsn], check=True, capture_output=True)
        out = subprocess.run(
            [exe, "-c", str(clients), "-j", "2", "-T", str(seconds), dsn],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
        if not found:
            raise SystemExit(f"could not read pgbench's tps from:\n{out}")
        return float(found.group(1))
    finally:
        asyncio.run(drop_database(server, name))


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
    parser.add_argument("--analyze-every", type=float, default=3.0, help="seconds; 0: never (autovacuum off only)")
    args = parser.parse_args()

    os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    server = postgres_server_url()
    # pgbench runs before and after (the machine is shared: its load moves); the ratio uses their mean.
    tps_before = None if args.no_pgbench else _pgbench(server, 8, args.seconds)
    url, name = asyncio.run(create_database(server, prefix="recon_bench"))
    try:
        asyncio.run(upgrade(url))
        if _autovacuum_off(url):
            print(
                "note       : autovacuum is off on this server; the bench runs ANALYZE "
                + (f"every {args.analyze_every:g} s in its place" if args.analyze_every > 0 else "once, after set-up")
            )
        t0 = time.perf_counter()
        world = asyncio.run(_setup(url, args.groups, args.members, args.seed))
        asyncio.run(_analyze(url))
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
        asyncio.run(_analyze(url))  # what autovacuum would have done after 100k inserts (not timed)
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
        tps_after = _pgbench(server, 8, args.seconds)
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
