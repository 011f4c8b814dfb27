"""USSD hop throughput and latency next to a bare aiohttp handler, and WhatsApp acknowledgement latency.

    python bench/ussd.py --seconds 6 --concurrency 64

On a scratch database of the local PostgreSQL (dropped afterwards) and the local Redis, with --members
members who have savings, it starts, each as its own process on loopback:
  bare     an aiohttp handler answering a constant CON screen (the reference);
  channel  the real app with a constant handler injected: the USSD channel's own cost (route, session
           store on Redis, paging, rendering);
  service  `ibimina serve` with the real conversation router: dial, then "My savings" (a balance check);
and drives the USSD route with bench/loadgen/ussd_load (C, one thread, about 30 µs of CPU a request, so the
reference is not held back by its client), --concurrency connections each running sessions, in two ways:
  closed loop  each connection sends its next request when the last is answered: the most each server
               answers, and the throughput ratio. Latency here is only Little's law (connections / rate).
  open loop    requests sent at a fixed rate, --target x the bare handler's closed-loop throughput, spread
               over the same connections; each latency runs from the request's intended send time (no
               coordinated omission): the p99 at the target's throughput.
Then it posts signed WhatsApp messages to the service from an aiohttp client pool and measures the
acknowledgement, and counts what was acknowledged but not yet worked when the load stopped (kept in the
webhook inbox, so a process killed then loses none of it). Every server runs on the event loop `ibimina serve` uses (uvloop where installed).
Without gcc the USSD load falls back to the aiohttp client pool (closed loop only), which saturates first.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

APP_SECRET = "bench-app-secret"  # noqa: S105 - a scratch secret for loopback only
CON_SCREEN = "CON Murakaza neza! Choose:\n1. My savings\n2. Pay\n3. Loans\n4. Statement\n5. Help"
BALANCE = re.compile(r"^(\d+)\. (My savings|Amafaranga|Mon épargne)", re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def phone_of(phones: list[str], n: int, i: int, connections: int) -> str:
    """Connection n's phone for its session i, as bench/loadgen/ussd_load.c picks it: phones of its own, since
    a handset is in one USSD session at a time (shared only when there are fewer phones than connections)."""
    per = len(phones) // connections
    return phones[n % len(phones)] if per == 0 else phones[n + (i % per) * connections]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- servers (each runs in its own process) -------------------------------------------------------------


def run_bare(port: int) -> None:
    from aiohttp import web

    from bot.event_loop import new_event_loop

    async def ussd(request: web.Request) -> web.Response:
        await request.post()  # parse the form like the real route does
        return web.Response(text=CON_SCREEN, content_type="text/plain")

    app = web.Application()
    app.router.add_post("/channels/ussd/africastalking", ussd)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None, loop=new_event_loop())


def run_channel(port: int, env: dict[str, str]) -> None:
    os.environ.update(env)
    from aiohttp import web

    from bot.app import create_app
    from bot.event_loop import run_event_loop
    from bot.runtime import open_runtime
    from core.settings import load_settings
    from dialogs.vocabulary import Choice, Inbound, Reply

    menu = tuple(
        Choice(str(i), t) for i, t in enumerate(["My savings", "Pay", "Loans", "Statement", "Help"], 1)
    )

    async def constant(inbound: Inbound) -> list[Reply]:
        if inbound.choice_id:
            return [Reply("Your savings: RWF 15,000", final=True)]
        return [Reply("Murakaza neza! Choose:", choices=menu)]

    async def main() -> None:
        runtime = await open_runtime(load_settings(_env_file=None))
        runner = web.AppRunner(create_app(runtime, inbound_handler=constant), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    run_event_loop(main())


def wait_for(port: int, proc: subprocess.Popen[bytes] | multiprocessing.Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            alive = proc.poll() is None if isinstance(proc, subprocess.Popen) else proc.is_alive()
            if not alive:
                raise SystemExit(f"server on {port} exited") from None
            time.sleep(0.2)
    raise SystemExit(f"server on {port} did not start")


# --- load generator (its own process) ------------------------------------------------------------------


def load(
    url: str, mode: str, phones: list[str], seconds: float, concurrency: int, warmup: float
) -> dict[str, Any]:
    return asyncio.run(_load(url, mode, phones, seconds, concurrency, warmup))


async def _load(
    url: str, mode: str, phones: list[str], seconds: float, concurrency: int, warmup: float
) -> dict[str, Any]:
    import aiohttp

    samples: dict[str, list[float]] = {"all": [], "dial": [], "balance": [], "ack": []}
    counts = {"ok": 0, "bad": 0, "total": 0}
    odd: list[str] = []
    start = time.perf_counter() + warmup
    stop = start + seconds
    path = "/channels/whatsapp" if mode == "whatsapp" else "/channels/ussd/africastalking"

    async def timed(session: aiohttp.ClientSession, kind: str, **kw: Any) -> str:
        t0 = time.perf_counter()
        async with session.post(url + path, **kw) as r:
            body = await r.text()
            ok = r.status == 200
        t1 = time.perf_counter()
        counts["total"] += 1
        if not ok and len(odd) < 3:
            odd.append(f"{r.status}: {body[:200]}")
        if t0 >= start and t1 <= stop:
            samples["all"].append(t1 - t0)
            samples[kind].append(t1 - t0)
            counts["ok" if ok else "bad"] += 1
        return body

    async def ussd_worker(session: aiohttp.ClientSession, n: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            phone = phone_of(phones, n, i, concurrency)
            form = {"sessionId": f"ATUid_{secrets.token_hex(8)}", "serviceCode": "*384*1#", "phoneNumber": phone,
                    "networkCode": "63510", "text": ""}  # fmt: skip
            screen = await timed(session, "dial", data=form)
            match = BALANCE.search(screen)
            if mode != "bare" and match:
                await timed(session, "balance", data={**form, "text": match.group(1)})
            elif mode != "bare" and len(odd) < 3:
                odd.append(screen[:120])
            elif mode == "bare":
                await timed(session, "balance", data={**form, "text": "1"})
            i += 1

    async def whatsapp_worker(session: aiohttp.ClientSession, n: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            wa_id = phone_of(phones, n, i, concurrency).lstrip("+")
            body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"display_phone_number": "250780000000", "phone_number_id": "1"},
                "contacts": [{"profile": {"name": "Bench"}, "wa_id": wa_id}],
                "messages": [{"from": wa_id, "id": f"wamid.B{secrets.token_hex(12)}", "timestamp": str(int(time.time())),
                              "type": "text", "text": {"body": "balance"}}]}}]}]}).encode()  # fmt: skip
            sig = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
            await timed(
                session,
                "ack",
                data=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig},
            )
            i += 1
            await asyncio.sleep(0.05)  # members type; the ack is measured while the backlog is being worked

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        worker = whatsapp_worker if mode == "whatsapp" else ussd_worker
        await asyncio.gather(*(worker(session, n) for n in range(concurrency)))
    ms = {k: (percentile(v, 0.5) * 1000, percentile(v, 0.99) * 1000, len(v)) for k, v in samples.items() if v}
    return {"rps": len(samples["all"]) / seconds, "ms": ms, "odd": odd, **counts}


# --- set-up --------------------------------------------------------------------------------------------


async def seed(url: str, members: int) -> list[str]:
    from core.audit.service import Actor
    from core.db.database import Database
    from core.ledger.chart import SystemAccount, ensure_member_savings_accounts, system_account_id
    from core.ledger.posting import post_entry
    from core.ledger.types import EntryKind, PostingSpec
    from core.members.service import add_to_group, create_group, create_member
    from core.money import Money
    from core.organizations.service import create_organization

    actor = Actor.system("bench")
    db = Database(url, pool_size=2)
    # A block of phones of this run's own: a run killed mid-turn (the last one, say) leaves its phones'
    # conversation locks in Redis for HOLD_SECONDS and their USSD sessions resumable for two minutes, and
    # hops on those phones would wait them out (p99 at the 0.8 s handler budget) or resume old screens.
    block = 8_000_000 + secrets.randbelow(1_900) * 1_000
    phones = [f"+25078{block + i:07d}" for i in range(members)]
    try:
        async with db.system() as s:
            org = await create_organization(s, slug="bench-ussd", name="Bench SACCO", actor=actor)
        async with db.tenant(org.id) as s:
            group = await create_group(s, organization_id=org.id, code="BENCH", name="Twisungane", contribution_amount=2000,
                                       contribution_frequency="weekly", meeting_day=2, actor=actor)  # fmt: skip
            ids = []
            for i, phone in enumerate(phones):
                m = await create_member(s, organization_id=org.id, phone=phone, first_name="Bench", last_name=f"M{i}",
                                        language="en", actor=actor)  # fmt: skip
                await add_to_group(s, member=m, group=group, actor=actor)
                ids.append(m.id)
            accounts = await ensure_member_savings_accounts(s, org.id, [(m, group.id) for m in ids])
            clearing = await system_account_id(s, org.id, SystemAccount.MTN_CLEARING)
            for m in ids:
                money = Money(15_000, "RWF")
                await post_entry(s, organization_id=org.id, kind=EntryKind.CONTRIBUTION, idempotency_key=f"bench-{m}",
                                 postings=(PostingSpec.debit(clearing, money), PostingSpec.credit(accounts[(m, group.id)], money)),
                                 actor=actor, audit=False)  # fmt: skip
    finally:
        await db.dispose()
    return phones


async def inbox_backlog(url: str) -> Any:
    """What the service has acknowledged and not yet worked (it survives the process: core/messaging/inbox)."""
    from core.db.database import Database
    from core.messaging.inbox import backlog

    db = Database(url, pool_size=1)
    try:
        return await backlog(db)
    finally:
        await db.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(port: int, mode: str, phones: list[str], args: argparse.Namespace, pid: int,
             rate: float | None = None) -> dict[str, Any]:  # fmt: skip
    """The load generator's figures plus the server's CPU per request over the whole run: on a shared box
    the CPU a request costs is steadier than requests/s, which depend on what else runs."""
    before = cpu_seconds(pid)
    if mode != "whatsapp" and args.generator == "c":
        from bench.loadgen.runner import run

        result: dict[str, Any] = run("127.0.0.1", port, "/channels/ussd/africastalking", mode, phones,
                                     args.seconds, args.warmup, args.concurrency, rate=rate)  # fmt: skip
    else:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            result = pool.apply(load, (f"http://127.0.0.1:{port}", mode, phones, args.seconds, args.concurrency, args.warmup))
    result["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / max(result["total"], 1)
    return result


def c_generator_available() -> bool:
    try:
        from bench.loadgen.runner import build

        build()
    except RuntimeError as exc:
        print(f"(no C load generator: {exc}; using the aiohttp client pool, closed loop only)")
        return False
    return True


def line(name: str, result: dict[str, Any], key: str = "all") -> str:
    p50, p99, n = result["ms"].get(key, (float("nan"), float("nan"), 0))
    everything = result["ms"].get("all", (0, 0, 0))[2]
    rps = result["rps"] * n / everything if everything else result["rps"]  # this kind's share of the requests
    errors = f", {result['errors']} connection errors" if result.get("errors") else ""
    return (f"{name:<34} {rps:>9.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
            f"server cpu {result['cpu_ms']:5.2f} ms/req   ({n} samples, {result['bad']} not 200{errors})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--target", type=float, default=0.3, help="open-loop rate as a share of bare's")
    args = parser.parse_args()
    args.generator = "c" if c_generator_available() else "python"

    from bench.autovacuum import analyze
    from core.db.migrate import upgrade
    from tests.support.servers import create_database, drop_database, postgres_server_url, redis_server_url

    server_url = postgres_server_url()
    url, name = asyncio.run(create_database(server_url, prefix="bench_ussd"))
    procs: list[Any] = []
    try:
        asyncio.run(upgrade(url))
        phones = asyncio.run(seed(url, args.members))
        analyze(url)  # a serving database has statistics; unanalysed, the balance read scans a whole group
        env = {"DATABASE_URL": url, "REDIS_URL": redis_server_url(), "IBIMINA_ENV": "development",
               "WHATSAPP_VERIFY_TOKEN": "bench", "WHATSAPP_APP_SECRET": APP_SECRET,
               "PUBLIC_BASE_URL": "http://127.0.0.1", "IBIMINA_DATA_DIR": "/tmp/ibimina-bench", "DATABASE_POOL_SIZE": "20"}  # fmt: skip
        for key in ("CELERY_BROKER_URL",):
            os.environ.pop(key, None)
        ports = {"bare": free_port(), "channel": free_port(), "service": free_port()}
        ctx = multiprocessing.get_context("spawn")
        bare = ctx.Process(target=run_bare, args=(ports["bare"],), daemon=True)
        channel = ctx.Process(target=run_channel, args=(ports["channel"], env), daemon=True)
        ibimina = Path(sys.executable).with_name("ibimina")
        service = subprocess.Popen(
            [str(ibimina), "serve", "--host", "127.0.0.1", "--port", str(ports["service"]), "--no-migrate"],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        procs = [bare, channel, service]
        bare.start()
        channel.start()
        for key, proc in (("bare", bare), ("channel", channel), ("service", service)):
            wait_for(ports[key], proc)
        source = "the C generator" if args.generator == "c" else "the aiohttp client pool"
        print(f"USSD hops over {args.concurrency} connections, {args.seconds:.0f} s each after "
              f"{args.warmup:.0f} s warm-up, load from {source}")  # fmt: skip
        ref = run_load(ports["bare"], "bare", phones, args, bare.pid or 0)
        own = run_load(ports["channel"], "channel", phones, args, channel.pid or 0)
        real = run_load(ports["service"], "service", phones, args, service.pid)
        print("closed loop (the most each answers):")
        print(line("bare aiohttp (constant CON)", ref))
        print(line("USSD channel, constant handler", own))
        print(line("USSD service, real router (all)", real))
        print(line("  of which the balance hop", real, "balance"))
        for screen in real["odd"]:
            print("  unexpected first screen:", repr(screen))
        print(f"ratio channel/bare: {own['rps'] / ref['rps']:.2f}   ratio service/bare: "
              f"{real['rps'] / ref['rps']:.2f}   (target >= {args.target:.2f})")  # fmt: skip
        if args.generator == "c":
            rate = args.target * ref["rps"]
            print(f"open loop at {rate:,.0f} req/s ({args.target:.2f} x bare), latency from the intended send time:")
            ref_open = run_load(ports["bare"], "bare", phones, args, bare.pid or 0, rate=rate)
            real_open = run_load(ports["service"], "service", phones, args, service.pid, rate=rate)
            print(line("bare aiohttp (constant CON)", ref_open))
            print(line("USSD service, real router (all)", real_open))
            print(line("  of which the balance hop", real_open, "balance"))
            p99 = real_open["ms"].get("all", [float("nan")] * 3)[1]
            print(f"service at {args.target:.2f} x bare's throughput: {real_open['rps']:,.0f} of {rate:,.0f} req/s "
                  f"answered in the window ({real_open['run']['late']} finished after it), p99 {p99:.1f} ms   "
                  f"(target: all of it, p99 < 25 ms)")  # fmt: skip
        ack = run_load(ports["service"], "whatsapp", phones, args, service.pid)
        print(line("WhatsApp POST acknowledgement", ack, "ack"))
        for answer in ack["odd"]:
            print("  not acknowledged (Meta redelivers a non-200):", repr(answer))
        waiting = asyncio.run(inbox_backlog(url))
        print(f"  when the load stopped, {waiting.waiting:,} acknowledged messages were still to be worked, kept in "
              f"the webhook inbox (oldest {waiting.oldest_seconds or 0:.1f} s)")  # fmt: skip
    finally:
        for proc in procs:
            proc.kill()  # the service would otherwise finish the WhatsApp backlog first
        for proc in procs:
            proc.wait(10) if isinstance(proc, subprocess.Popen) else proc.join(10)
        asyncio.run(drop_database(server_url, name))


if __name__ == "__main__":
    main()
