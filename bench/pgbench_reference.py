"""The reference every database benchmark divides by: pgbench (tpcb-like, scale 10) on the same server.

Run in its own scratch database, created and dropped here, so a benchmark's ratio compares like with like.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess

from core.db.urls import libpq_dsn
from tests.support.servers import create_database, drop_database


def pgbench_tps(server: str, clients: int, seconds: int, *, prefix: str = "bench_pgb") -> float:
    """pgbench -c CLIENTS -j 2 -T SECONDS after pgbench -i -s 10; returns its tps without connection time."""
    exe = shutil.which("pgbench")
    if exe is None:
        raise SystemExit("pgbench is not installed (apt-get install postgresql-client)")
    url, name = asyncio.run(create_database(server, prefix=prefix))
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
