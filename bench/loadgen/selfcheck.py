"""A quick check of the C load generator against toy USSD servers (about 10 s).

    python bench/loadgen/selfcheck.py

Starts, in a subprocess, an aiohttp server that plays a toy version of the route (a dial screen offering
"N. My savings" under a random N and one of the three labels, the balance hop checked against the same
sessionId, phone and N; one phone answered "END", one with a 500; every 3rd answer chunked and split across
writes, every 7th with Connection: close) and a raw asyncio server that answers in unusual framings (a 100
Continue in the same write as the answer, chunked with an extension and a trailer, HTTP/1.0 with the body
running to the close, lower-case headers). Then runs the generator closed loop, in bare mode and open loop
and checks its counts against what the servers saw.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PATH = "/channels/ussd/africastalking"
LABELS = ("My savings", "Amafaranga", "Mon épargne")
PHONES = [f"+25078800{i:04d}" for i in range(40)]
ODD_PHONE, BAD_PHONE = PHONES[7], PHONES[8]  # answered "END Not registered" and 500


# --- the toy servers (run with --serve) --------------------------------------------------------------


class Toy:
    """The session logic both servers share, and what they saw."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = self.dials = self.balances = self.odd = self.bad = 0
        self.sessions: dict[str, dict[str, Any]] = {}  # sessionId -> phone, choice, balanced
        self.phones: set[str] = set()
        self.violations: list[str] = []

    def answer(self, form: dict[str, str], bare: bool = False) -> tuple[int, str]:
        self.requests += 1
        sid, phone, text = form.get("sessionId", ""), form.get("phoneNumber", ""), form.get("text")
        if form.get("serviceCode") != "*384*1#" or form.get("networkCode") != "63510" or text is None:
            self.violations.append(f"bad form {form}")
        if not sid.startswith("ATUid_") or len(sid) != 22:
            self.violations.append(f"bad sessionId {sid!r}")
        self.phones.add(phone)
        session = self.sessions.get(sid)
        if text == "":
            self.dials += 1
            if session is not None:
                self.violations.append(f"sessionId {sid} dialled twice")
            if phone == BAD_PHONE and not bare:
                self.bad += 1
                return 500, "boom"
            if phone == ODD_PHONE and not bare:
                self.odd += 1
                return 200, "END Not registered"
            choice = "1" if bare else str(random.randint(1, 9))
            self.sessions[sid] = {"phone": phone, "choice": choice, "balanced": 0}
            if bare:  # a constant screen without the label: the generator must send text=1 anyway
                return 200, "CON Murakaza neza!\nChoose a number"
            label = random.choice(LABELS)
            return 200, f"CON Welcome\n0. Other\n{choice}. {label}\n10. Help"
        self.balances += 1
        if session is None:
            self.violations.append(f"balance without a dial: {sid}")
            return 200, "END ?"
        if session["phone"] != phone or session["choice"] != text:
            self.violations.append(f"balance {sid}: {phone} text={text} after {session}")
        session["balanced"] += 1
        return 200, "END Your savings: RWF 15,000"

    def stats(self) -> dict[str, Any]:
        dialled = self.sessions.values()
        return {
            "requests": self.requests,
            "dials": self.dials,
            "balances": self.balances,
            "odd": self.odd,
            "bad": self.bad,
            "phones": sorted(self.phones),
            "unbalanced": sum(1 for s in dialled if s["balanced"] == 0),
            "twice": sum(1 for s in dialled if s["balanced"] > 1),
            "violations": self.violations[:5],
        }


async def serve(app_port: int, raw_port: int) -> None:
    from aiohttp import web

    toy = Toy()
    count = 0

    async def ussd(request: web.Request) -> web.StreamResponse:
        nonlocal count
        form = {k: str(v) for k, v in (await request.post()).items()}
        status, text = toy.answer(form, bare=request.path == "/bare")
        count += 1
        if count % 3 == 0:  # chunked, in two writes with a pause so they arrive in separate reads
            response = web.StreamResponse(status=status, headers={"Content-Type": "text/plain"})
            response.enable_chunked_encoding()
            if count % 7 == 0:
                response.force_close()
            await response.prepare(request)
            await response.write(text[:5].encode())
            await asyncio.sleep(0.002)
            await response.write(text[5:].encode())
            await response.write_eof()
            return response
        response = web.Response(status=status, text=text, content_type="text/plain")
        if count % 7 == 0:
            response.force_close()
        return response

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(toy.stats())

    async def reset(request: web.Request) -> web.Response:
        toy.reset()
        return web.Response(text="ok")

    async def raw(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                form = dict(parse_qsl((await reader.readexactly(length)).decode(), keep_blank_values=True))
                status, text = toy.answer(form)
                body = text.encode()
                count += 1
                framing = count % 5
                if framing == 0:  # an interim answer and the real one in a single write
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    writer.write(b"HTTP/1.1 %d X\r\ncontent-length: %d\r\n\r\n%s" % (status, len(body), body))
                elif framing == 1:  # chunked with an extension and a trailer, in pieces
                    head, tail = body[:4], body[4:]  # a 4-byte body ("boom") has no second chunk
                    parts = [
                        b"HTTP/1.1 %d X\r\ntransfer-encoding: Chunked\r\n\r\n" % status,
                        b"%x;ext=1\r\n%s\r\n" % (len(head), head),
                        (b"%X\r\n%s\r\n" % (len(tail), tail) if tail else b"") + b"0\r\nX-Trailer: t\r\n\r\n",
                    ]
                    for part in parts:
                        writer.write(part)
                        await writer.drain()
                        await asyncio.sleep(0.001)
                elif framing == 2:  # HTTP/1.0: no length, the body runs to the close
                    writer.write(b"HTTP/1.0 %d X\r\nContent-Type: text/plain\r\n\r\n%s" % (status, body))
                    await writer.drain()
                    break
                elif framing == 3:  # the head and the body in separate reads
                    writer.write(b"HTTP/1.1 %d X\r\nCONTENT-LENGTH:%d\r\n" % (status, len(body)))
                    await writer.drain()
                    await asyncio.sleep(0.001)
                    writer.write(b"\r\n" + body)
                else:
                    writer.write(
                        b"HTTP/1.1 %d X\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                        % (status, len(body), body)
                    )
                    await writer.drain()
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    app = web.Application()
    app.router.add_post(PATH, ussd)
    app.router.add_post("/bare", ussd)
    app.router.add_get("/stats", stats)
    app.router.add_get("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", app_port).start()
    server = await asyncio.start_server(raw, "127.0.0.1", raw_port)
    async with server:
        await asyncio.Event().wait()


# --- the checks --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the toy server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the toy server did not start")


def get(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read()) if path == "/stats" else None


failures: list[str] = []


def check(name: str, ok: bool, detail: Any = "") -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def check_sessions(result: dict[str, Any], seen: dict[str, Any], odd: int, bad: int) -> None:
    """The generator's whole-run counts against the server's; every normal session dialled then balanced."""
    run = result["run"]
    check("no connection errors", result["errors"] == 0, result["errors"])
    check("nothing left unfinished", run["unfinished"] == 0, run["unfinished"])
    check("every response counted", result["total"] == seen["requests"], (result["total"], seen["requests"]))
    check("dials", run["dial"] == seen["dials"] == run["sessions"], (run, seen["dials"]))
    check("balances", run["balance"] == seen["balances"], (run["balance"], seen["balances"]))
    check("no protocol violations", not seen["violations"], seen["violations"])
    counts = {k: seen[k] for k in ("dials", "balances", "odd", "bad", "unbalanced", "twice")}
    check("every session dialled then balanced once, same sessionId",
          seen["unbalanced"] == 0 and seen["twice"] == 0 and seen["balances"] == seen["dials"] - odd - bad,
          counts)  # fmt: skip
    check("odd screens counted", run["odd"] == seen["odd"] == odd, (run["odd"], seen["odd"]))
    check("non-200 counted", run["bad"] == seen["bad"] == bad, (run["bad"], seen["bad"]))
    n = result["ms"].get("all", [0, 0, 0])[2]
    check(
        "recorded samples = ok + bad",
        n == result["ok"] + result["bad"] and n > 0,
        (n, result["ok"], result["bad"]),
    )
    check("rps = recorded / seconds", abs(result["rps"] - n / result["seconds"]) < 1e-3, result["rps"])
    p50, p99, _ = result["ms"]["all"]
    check("percentiles ordered", 0 < p50 <= p99 <= result["max_ms"], (p50, p99, result["max_ms"]))


def main() -> None:
    from bench.loadgen.runner import build, run

    binary = build()
    print(f"built {binary}")
    app_port, raw_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(app_port), str(raw_port)])
    try:
        wait_for(app_port, server)
        wait_for(raw_port, server)

        print("service mode, closed loop, 8 connections (aiohttp: chunked and Connection: close mixed in)")
        get(app_port, "/reset")
        result = run("127.0.0.1", app_port, PATH, "service", PHONES, seconds=1.5, warmup=0.5, connections=8)
        seen = get(app_port, "/stats")
        check_sessions(result, seen, seen["odd"], seen["bad"])
        check("odd and bad reported", any(s.startswith("END Not registered") for s in result["odd"])
              and "500: boom" in result["odd"], result["odd"])  # fmt: skip
        check("odd and bad both happened", seen["odd"] > 0 and seen["bad"] > 0, seen)
        check("phones from the file, all used", seen["phones"] == sorted(PHONES), len(seen["phones"]))
        check("offered_rate null", result["offered_rate"] is None, result["offered_rate"])
        check("ms per kind", result["ms"]["dial"][2] + result["ms"]["balance"][2] == result["ms"]["all"][2],
              result["ms"])  # fmt: skip
        print(
            f"  ({result['total']} responses, {result['rps']:.0f} req/s, cpu {result['client_cpu_s']:.3f} s)"
        )

        print("service mode against unusual framings (100 Continue, chunk extensions, HTTP/1.0, split heads)")
        get(app_port, "/reset")
        result = run("127.0.0.1", raw_port, PATH, "service", PHONES, seconds=1.5, warmup=0.3, connections=8)
        seen = get(app_port, "/stats")
        check_sessions(result, seen, seen["odd"], seen["bad"])

        print("bare mode: a screen without the label still gets the balance hop with text=1")
        get(app_port, "/reset")
        result = run("127.0.0.1", app_port, "/bare", "bare", PHONES, seconds=1.0, warmup=0.3, connections=8)
        seen = get(app_port, "/stats")
        check_sessions(result, seen, 0, 0)

        rate = 400.0
        print(f"open loop at {rate:.0f} req/s over 8 connections")
        get(app_port, "/reset")
        result = run("127.0.0.1", app_port, PATH, "service", PHONES, seconds=2.0, warmup=0.5, connections=8,
                     rate=rate)  # fmt: skip
        seen = get(app_port, "/stats")
        check_sessions(result, seen, seen["odd"], seen["bad"])
        check("offered_rate reported", result["offered_rate"] == rate, result["offered_rate"])
        check("throughput near the rate (±5%)", abs(result["rps"] / rate - 1) < 0.05, result["rps"])
        print(
            f"  ({result['rps']:.0f} req/s, p50 {result['ms']['all'][0]:.2f} ms, p99 {result['ms']['all'][1]:.2f} ms)"
        )
    finally:
        server.kill()
        server.wait(10)
    if failures:
        raise SystemExit(f"{len(failures)} check(s) failed: {', '.join(failures)}")
    print("all checks passed")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(serve(int(sys.argv[2]), int(sys.argv[3])))
    else:
        main()
