"""The pipelined Redis connection on a real Redis: many callers share one connection and each gets its own
reply; error replies, unknown scripts, callers who stop waiting, silent and vanishing servers."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.conversations.redis_lock import Script
from core.redis_wire import RedisWire


@pytest.fixture
def key() -> str:
    return f"wire:{secrets.token_hex(6)}"


async def test_concurrent_callers_each_get_their_own_reply(redis_wire: RedisWire, key: str) -> None:
    await asyncio.gather(*(redis_wire.call("SET", f"{key}:{i}", f"value-{i}", "EX", 60) for i in range(300)))
    replies = await asyncio.gather(*(redis_wire.call("GET", f"{key}:{i}") for i in range(300)))
    assert replies == [f"value-{i}".encode() for i in range(300)]
    assert await redis_wire.call("INCRBY", f"{key}:n", 5) == 5


async def test_an_error_reply_raises_and_the_connection_goes_on(redis_wire: RedisWire, key: str) -> None:
    await redis_wire.call("SET", key, "text", "EX", 60)
    wrong, right = await asyncio.gather(redis_wire.call("INCR", key), redis_wire.call("GET", key),
                                        return_exceptions=True)  # fmt: skip
    assert isinstance(wrong, ResponseError) and "not an integer" in str(wrong)
    assert right == b"text"


async def test_a_script_unknown_to_redis_is_sent_once_then_called_by_hash(redis_url: str, redis_wire: RedisWire,
                                                                          key: str) -> None:  # fmt: skip
    source = f"return redis.call('incrby', KEYS[1], ARGV[1]) -- {key}"
    sha = await redis_wire.call("SCRIPT", "LOAD", source)
    await redis_wire.call("SCRIPT", "FLUSH")
    with pytest.raises(NoScriptError):
        await redis_wire.call("EVALSHA", sha, 1, key, 2)
    script = Script(source)
    assert script.sha == sha.decode()
    assert await script(redis_wire, [key], [2]) == 2  # sent in full
    assert await script(redis_wire, [key], [3]) == 5  # by hash
    redis: Redis = Redis.from_url(redis_url)
    try:
        assert await redis.script_exists(sha.decode()) == [True]
    finally:
        await redis.aclose()


async def test_a_caller_who_stops_waiting_does_not_shift_the_replies(redis_wire: RedisWire, key: str) -> None:
    await redis_wire.call("SET", f"{key}:a", "a", "EX", 60)
    await redis_wire.call("SET", f"{key}:b", "b", "EX", 60)
    impatient = asyncio.ensure_future(redis_wire.call("GET", f"{key}:a"))
    await asyncio.sleep(0)  # its command is queued for the next write
    impatient.cancel()
    assert await redis_wire.call("GET", f"{key}:b") == b"b"
    assert await redis_wire.call("GET", f"{key}:a") == b"a"


async def test_the_url_selects_the_database(redis_url: str, key: str) -> None:
    base = redis_url.split("?")[0].rsplit("/", 1)[0]
    wire = RedisWire.from_url(f"{base}/3")
    redis: Redis = Redis.from_url(f"{base}/3")
    try:
        await wire.call("SET", key, "in-db-3", "EX", 60)
        assert await redis.get(key) == b"in-db-3"
    finally:
        await wire.close()
        await redis.aclose()


async def test_a_refused_password_is_a_clear_error(redis_url: str) -> None:
    host_port = redis_url.split("://", 1)[1].split("/")[0]
    wire = RedisWire.from_url(f"redis://:not-the-password@{host_port}/0")
    try:
        with pytest.raises(ResponseError, match="AUTH"):
            await wire.call("PING")
    finally:
        await wire.close()


def test_only_redis_urls_are_understood() -> None:
    with pytest.raises(ValueError, match="unix"):
        RedisWire.from_url("unix:///tmp/redis.sock")
    wire = RedisWire.from_url("rediss://user:p%40ss@cache.example:6380/2")
    assert (wire.host, wire.port, wire.db, wire.username, wire.password, wire.tls) == (
        "cache.example", 6380, 2, "user", "p@ss", True,
    )  # fmt: skip


@pytest.fixture
async def silent_server() -> AsyncIterator[tuple[int, list[int]]]:
    """A server that reads commands and never answers; yields its port and a count of connections."""
    connections: list[int] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while await reader.read(4096):
            pass
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1], connections
    server.close()


async def test_an_overdue_reply_fails_every_waiter_and_the_next_call_reconnects(
    silent_server: tuple[int, list[int]],
) -> None:
    port, connections = silent_server
    wire = RedisWire("127.0.0.1", port, timeout=0.2)
    try:
        results = await asyncio.gather(wire.call("PING"), wire.call("PING"), return_exceptions=True)
        assert all(isinstance(r, RedisTimeoutError) for r in results)
        with pytest.raises(RedisTimeoutError):
            await wire.call("PING")
        assert len(connections) == 2
    finally:
        await wire.close()


async def test_a_server_that_hangs_up_fails_its_waiters_and_the_next_call_reconnects() -> None:
    accepted: list[int] = []

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        await reader.read(1)
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    wire = RedisWire("127.0.0.1", server.sockets[0].getsockname()[1], timeout=2)
    try:
        with pytest.raises(RedisConnectionError, match="lost"):
            await wire.call("PING")
        with pytest.raises(RedisConnectionError):
            await wire.call("PING")
        assert len(accepted) == 2
    finally:
        await wire.close()
        server.close()


async def test_nothing_listening_is_a_connection_error() -> None:
    with socket.socket() as taken:  # bound, never listening: connecting to it is refused
        taken.bind(("127.0.0.1", 0))
        wire = RedisWire("127.0.0.1", taken.getsockname()[1], timeout=1)
        with pytest.raises(RedisConnectionError, match="cannot connect"):
            await wire.call("PING")
