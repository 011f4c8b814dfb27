"""Builds and runs ussd_load, the C load generator for the USSD route (see ussd_load.c for the protocol).

    from bench.loadgen.runner import run
    result = run("127.0.0.1", port, "/channels/ussd/africastalking", "service", phones, seconds=6, warmup=2,
                 connections=64)            # closed loop; rate=2000 for an open loop at 2,000 req/s

The result has the shape of bench/ussd.py's load() (rps, total, ok, bad, errors, odd, ms {kind: [p50, p99, n]})
plus max_ms, offered_rate, client_cpu_s (the generator's own CPU) and whole-run counts under "run".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).with_name("ussd_load.c")
CACHE = Path(tempfile.gettempdir()) / "ibimina-loadgen"


def build() -> Path:
    """The compiled generator, built once per version of the source into the cache directory."""
    source = SOURCE.read_bytes()
    binary = CACHE / hashlib.sha256(source).hexdigest()[:16] / "ussd_load"
    if binary.exists():
        return binary
    gcc = shutil.which("gcc")
    if gcc is None:
        raise RuntimeError("the USSD load generator needs gcc to build (apt-get install gcc)")
    binary.parent.mkdir(parents=True, exist_ok=True)
    # build beside the target and rename, so a concurrent run never executes a half-written file
    partial = binary.with_name(f"ussd_load.{os.getpid()}.tmp")
    done = subprocess.run(
        [gcc, "-O2", "-std=c11", "-Wall", "-Wextra", "-o", str(partial), str(SOURCE)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"building {SOURCE} failed:\n{done.stderr}")
    partial.replace(binary)
    return binary


def run(
    url_host: str,
    port: int,
    path: str,
    mode: str,
    phones: list[str],
    seconds: float,
    warmup: float,
    connections: int,
    rate: float | None = None,
    drain: float = 3.0,
    binary: Path | None = None,
) -> dict[str, Any]:
    """Runs the generator against http://url_host:port/path and returns its JSON report.

    mode "bare" sends the balance hop after any 200 screen (the reference server answers a constant one);
    other modes only when the screen offers "My savings" and report other screens under "odd". rate: total
    requests/s for an open loop (latency from each request's intended send time); None for a closed loop.
    drain: seconds after the window that sessions already started may take to finish their balance hop.
    """
    binary = binary or build()
    with tempfile.NamedTemporaryFile("w", prefix="ussd-phones-", suffix=".txt") as file:
        file.write("".join(f"{phone}\n" for phone in phones))
        file.flush()
        args = [str(binary), "--host", url_host, "--port", str(port), "--path", path, "--phones", file.name,
                "--mode", mode, "--connections", str(connections), "--seconds", str(seconds),
                "--warmup", str(warmup), "--drain", str(drain)]  # fmt: skip
        if rate:
            args += ["--rate", str(rate)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=warmup + seconds + drain + 30)
    if done.returncode != 0:
        raise RuntimeError(f"ussd_load exited with {done.returncode}: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result
