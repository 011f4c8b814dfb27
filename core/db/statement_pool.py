"""A pool of bare asyncpg connections for units of work that are one statement each.

asyncpg's own pool spends about 25 µs of CPU per acquire and release (a task, a shield, a timeout, a reset
hook), as much as the hot path's own Python work per statement. A connection here keeps no session state
of ours (every hot-path statement sets its scope transaction-locally), so lending one out is a pop from an
idle list and taking it back a push, or a hand-over to the first caller waiting. A connection is closed
rather than taken back when its last use ended in anything but a database refusal (cancelled mid-statement,
connection lost) or left a transaction open: its state is unknown, and a fresh connection is cheap.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType

import asyncpg


class StatementPool:
    """Up to max_size connections, opened on demand; the most recently returned is lent first (warm)."""

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]], max_size: int) -> None:
        if max_size < 1:
            raise ValueError("a pool needs room for one connection")
        self._connect = connect
        self.max_size = max_size
        self._idle: list[asyncpg.Connection] = []
        self._waiters: deque[asyncio.Future[asyncpg.Connection]] = deque()
        self._open = 0  # lent out + idle + being opened
        self._closed = False
        self._opening: set[asyncio.Task[None]] = set()

    @property
    def size(self) -> int:
        """Connections open or being opened."""
        return self._open

    @property
    def idle(self) -> int:
        return len(self._idle)

    def connection(self) -> Lease:
        """`async with pool.connection() as conn:` lends one connection for the block."""
        return Lease(self)

    async def acquire(self) -> asyncpg.Connection:
        if self._closed:
            raise asyncpg.InterfaceError("the statement pool is closed")
        while self._idle:
            conn = self._idle.pop()
            if not conn.is_closed():
                return conn
            self._open -= 1
        if self._open < self.max_size:
            self._open += 1
            try:
                return await self._connect()
            except BaseException:
                self._open -= 1
                self._wake_one_to_connect()
                raise
        waiter: asyncio.Future[asyncpg.Connection] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a connection as we were cancelled
                self.release(waiter.result())
            raise

    def release(self, conn: asyncpg.Connection, *, discard: bool = False) -> None:
        """Take a connection back; discard it (close it) when its state is unknown."""
        if discard or self._closed or conn.is_closed() or conn.is_in_transaction():
            if not conn.is_closed():
                conn.terminate()
            self._open -= 1
            self._wake_one_to_connect()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _wake_one_to_connect(self) -> None:
        """A slot freed up: open a connection for the first caller still waiting, who would otherwise wait on
        for a release that may never come."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._open += 1
                task = asyncio.ensure_future(self._open_for(waiter))
                self._opening.add(task)
                task.add_done_callback(self._opening.discard)
                return

    async def _open_for(self, waiter: asyncio.Future[asyncpg.Connection]) -> None:
        try:
            conn = await self._connect()
        except asyncio.CancelledError:
            self._open -= 1
            waiter.cancel()
            raise
        except Exception as exc:  # the waiter gets the failure, as it would have opening the connection itself
            self._open -= 1
            if not waiter.done():
                waiter.set_exception(exc)
            return
        if waiter.done():  # it gave up meanwhile: the connection goes to the next caller, or idle
            self.release(conn)
        else:
            waiter.set_result(conn)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(asyncpg.InterfaceError("the statement pool is closed"))
        self._waiters.clear()
        for conn in idle:
            self._open -= 1
            await conn.close()


class Lease:
    """The context manager of pool.connection(): a refusal by the database keeps the connection; any other
    error (a cancellation mid-statement, a lost connection) closes it."""

    __slots__ = ("_pool", "_conn")

    def __init__(self, pool: StatementPool) -> None:
        self._pool = pool
        self._conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> asyncpg.Connection:
        self._conn = await self._pool.acquire()
        return self._conn

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._pool.release(conn, discard=exc is not None and not isinstance(exc, asyncpg.PostgresError))
