"""A stand-in for autovacuum's ANALYZE on servers that run without it (this machine's does).

The ledger's posting function plans from statistics; on tables that grew from empty without an ANALYZE its
plans go stale and a posting slows several times over, which production (autovacuum on) never sees. Every
database benchmark runs ANALYZE on the tables it grows, every few seconds, when autovacuum is off.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from core.db.urls import libpq_dsn

LEDGER_TABLES = "ledger_entries, ledger_postings, ledger_balances, ledger_accounts"


async def _connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(libpq_dsn(url))


def autovacuum_off(url: str) -> bool:
    async def ask() -> bool:
        conn = await _connect(url)
        try:
            return bool(await conn.fetchval("SHOW autovacuum") != "on")
        finally:
            await conn.close()

    return asyncio.run(ask())


def analyze(url: str, tables: str = "") -> None:
    """ANALYZE now (the whole database by default)."""

    async def run() -> None:
        conn = await _connect(url)
        try:
            await conn.execute(f"ANALYZE {tables}")
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def analyzing(url: str, every: float, tables: str = LEDGER_TABLES) -> Iterator[None]:
    """ANALYZE `tables` every `every` seconds while the block runs, if autovacuum is off (0: never)."""
    stop = threading.Event()

    def loop() -> None:
        async def run() -> None:
            conn = await _connect(url)
            try:
                while not stop.wait(every):
                    await conn.execute(f"ANALYZE {tables}")
            finally:
                await conn.close()

        asyncio.run(run())

    thread = threading.Thread(target=loop, daemon=True)
    if every > 0 and autovacuum_off(url):
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
