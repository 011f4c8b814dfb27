"""One pipelined Redis connection shared by every coroutine of a process, for the hot paths.

redis-py checks a connection out of its pool for every command and sends it alone: under load each command
pays its own write and read system calls on both ends, plus the client's pool, retry and instrumentation
layers (about 130 µs of CPU a command here, against about 6 µs for this). Redis answers the commands of one
connection in order, so callers can share it: each command is appended to a buffer flushed once per event
loop tick, and each reply resolves the oldest waiting caller. The generic uses (console, rate limits,
health) keep redis-py; this serves the few commands a USSD hop or a webhook makes.

A caller that stops waiting (cancelled, timed out) leaves its slot in the queue, so the order holds. When
the oldest reply is overdue the connection is dropped: every waiter gets a `TimeoutError`, and the next
command connects afresh. A lost connection fails its waiters with `ConnectionError`; nothing is retried
here, because only the caller knows whether a command may run twice.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from typing import Any

import hiredis
from redis.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

Arg = str | bytes | int | float


class RedisWire:
    """A multiplexed connection: `await wire.call("SET", key, value, "NX")` from any number of coroutines."""

    def __init__(self, host: str = "127.0.0.1", port: int = 6379, *, db: int = 0, username: str | None = None,
                 password: str | None = None, tls: bool = False, timeout: float = 5.0) -> None:  # fmt: skip
        self.host, self.port, self.db = host, port, db
        self.username, self.password, self.tls = username, password, tls
        self.timeout = timeout
        self._protocol: _WireProtocol | None = None
        self._connecting: asyncio.Future[_WireProtocol] | None = None

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 5.0) -> RedisWire:
        """`redis://[user:password@]host[:port][/db]` or `rediss://` (TLS), read as redis-py reads REDIS_URL."""
        parts = parse_url(url)  # type: ignore[no-untyped-call]  # unannotated in redis-py
        if "path" in parts:
            raise ValueError("a unix:// Redis URL is not supported on the hot paths: use redis:// or rediss://")
        return cls(
            parts.get("host", "127.0.0.1"), parts.get("port", 6379), db=parts.get("db", 0),
            username=parts.get("username"), password=parts.get("password"),
            tls=parts.get("connection_class") is SSLConnection, timeout=timeout,
        )  # fmt: skip

    async def call(self, *args: Arg) -> Any:
        """Send one command and return its reply; a Redis error reply raises `ResponseError`."""
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        return await protocol.send(args)

    async def close(self) -> None:
        if self._protocol is not None:
            self._protocol.abort(RedisConnectionError("the Redis connection was closed"))
            self._protocol = None

    async def _connect(self) -> _WireProtocol:
        if self._connecting is None or self._connecting.done():  # one connect for every caller meanwhile
            self._connecting = asyncio.ensure_future(self._open())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if connecting.done() and self._connecting is connecting:
                self._connecting = None

    async def _open(self) -> _WireProtocol:
        loop = asyncio.get_running_loop()
        context = ssl.create_default_context() if self.tls else None
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _WireProtocol(self.timeout), self.host, self.port, ssl=context
                ),
                self.timeout,
            )
        except (TimeoutError, OSError) as exc:
            raise RedisConnectionError(f"cannot connect to Redis at {self.host}:{self.port}: {exc}") from exc
        hello: list[tuple[Arg, ...]] = []
        if self.password is not None:
            hello.append(("AUTH", self.username, self.password) if self.username else ("AUTH", self.password))
        if self.db:
            hello.append(("SELECT", self.db))
        try:
            await asyncio.gather(*(protocol.send(cmd) for cmd in hello))
        except Exception:
            protocol.abort(RedisConnectionError("Redis refused the connection's set-up"))
            raise
        self._protocol = protocol
        return protocol


class _WireProtocol(asyncio.Protocol):
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.loop = asyncio.get_running_loop()
        self.reader = hiredis.Reader(replyError=ResponseError)
        self.waiting: collections.deque[tuple[asyncio.Future[Any], float]] = collections.deque()
        self.pending: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._watchdog: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, args: tuple[Arg, ...]) -> asyncio.Future[Any]:
        if self.closed:
            raise RedisConnectionError("the Redis connection is closed")
        future = self.loop.create_future()
        if not self.pending:  # the first command of this tick schedules the one write for all of them
            self.loop.call_soon(self._flush)
        self.pending.append(hiredis.pack_command(args))  # type: ignore[arg-type]  # its stub says a 1-tuple
        self.waiting.append((future, time.monotonic()))
        if self._watchdog is None:
            self._watchdog = self.loop.call_later(self.timeout, self._check_overdue)
        return future

    def _flush(self) -> None:
        if self.pending and self.transport is not None and not self.closed:
            self.transport.write(b"".join(self.pending))
        self.pending.clear()

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while True:
            try:
                reply = self.reader.gets()
            except hiredis.ProtocolError as exc:
                self.abort(RedisConnectionError(f"unreadable reply from Redis: {exc}"))
                return
            if reply is False:
                return
            future, _ = self.waiting.popleft()
            if future.done():  # its caller stopped waiting
                continue
            if isinstance(reply, ResponseError):
                future.set_exception(
                    NoScriptError(str(reply)) if str(reply).startswith("NOSCRIPT") else reply
                )
            else:
                future.set_result(reply)

    def _check_overdue(self) -> None:
        self._watchdog = None
        if not self.waiting or self.closed:
            return
        due = self.waiting[0][1] + self.timeout
        if time.monotonic() >= due:
            self.abort(RedisTimeoutError(f"Redis did not answer within {self.timeout:.1f} s"))
        else:
            self._watchdog = self.loop.call_at(
                self.loop.time() + (due - time.monotonic()), self._check_overdue
            )

    def connection_lost(self, exc: Exception | None) -> None:
        self.abort(RedisConnectionError(f"the Redis connection was lost: {exc or 'closed by the server'}"))

    def abort(self, error: Exception) -> None:
        """Fail every waiter and close: replies can no longer be matched to callers."""
        if self.closed:
            return
        self.closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        while self.waiting:
            future, _ = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)
        self.pending.clear()
        if self.transport is not None:
            self.transport.abort()
