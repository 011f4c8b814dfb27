"""The statement pool's bookkeeping, with stand-in connections: limits, hand-over order, what gets closed.

(tests/integration/core/db/test_native_connections.py runs it on real PostgreSQL connections.)
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from core.db.statement_pool import StatementPool


class FakeConnection:
    def __init__(self, n: int) -> None:
        self.n = n
        self.closed = False
        self.in_transaction = False

    def is_closed(self) -> bool:
        return self.closed

    def is_in_transaction(self) -> bool:
        return self.in_transaction

    def terminate(self) -> None:
        self.closed = True

    async def close(self) -> None:
        self.closed = True


def pool(max_size: int = 2, fail: list[Exception] | None = None) -> tuple[StatementPool, list[FakeConnection]]:
    opened: list[FakeConnection] = []

    async def connect() -> FakeConnection:
        await asyncio.sleep(0)
        if fail:
            raise fail.pop(0)
        opened.append(FakeConnection(len(opened)))
        return opened[-1]

    return StatementPool(connect, max_size), opened  # type: ignore[arg-type]


async def test_connections_open_on_demand_up_to_the_limit_and_the_warmest_is_lent_first() -> None:
    p, opened = pool(max_size=2)
    a, b = await p.acquire(), await p.acquire()
    assert (len(opened), p.size, p.idle) == (2, 2, 0)
    p.release(a)
    p.release(b)
    assert await p.acquire() is b  # last in, first out: the connection whose caches are warm
    assert p.size == 2


async def test_callers_beyond_the_limit_wait_and_are_served_in_arrival_order() -> None:
    p, opened = pool(max_size=1)
    first = await p.acquire()
    order: list[str] = []

    async def borrow(name: str) -> None:
        async with p.connection() as conn:
            order.append(name)
            assert conn is first
            await asyncio.sleep(0)

    waiting = [asyncio.create_task(borrow(n)) for n in ("x", "y", "z")]
    await asyncio.sleep(0.01)
    assert order == [] and len(opened) == 1
    p.release(first)
    await asyncio.gather(*waiting)
    assert order == ["x", "y", "z"] and len(opened) == 1 and p.idle == 1


async def test_a_database_refusal_keeps_the_connection_anything_else_closes_it() -> None:
    p, opened = pool(max_size=1)
    with pytest.raises(asyncpg.UniqueViolationError):
        async with p.connection():
            raise asyncpg.UniqueViolationError("duplicate key")
    assert p.idle == 1 and not opened[0].closed
    with pytest.raises(asyncio.CancelledError):
        async with p.connection():
            raise asyncio.CancelledError  # e.g. a timeout while the statement ran: the wire state is unknown
    assert opened[0].closed and (p.size, p.idle) == (0, 0)
    async with p.connection() as conn:
        assert conn is opened[1]


async def test_a_connection_left_in_a_transaction_or_closed_is_not_lent_again() -> None:
    p, opened = pool(max_size=2)
    async with p.connection() as conn:
        conn.in_transaction = True
    assert opened[0].closed and p.size == 0
    async with p.connection() as conn:
        pass
    opened[1].closed = True  # the server went away while it sat idle
    async with p.connection() as conn:
        assert conn is opened[2]
    assert p.size == 1


async def test_a_waiter_is_not_stranded_when_the_connection_it_waits_for_is_discarded() -> None:
    p, opened = pool(max_size=1)
    held = await p.acquire()
    waiter = asyncio.create_task(p.acquire())
    await asyncio.sleep(0)
    p.release(held, discard=True)
    conn = await asyncio.wait_for(waiter, 1)
    assert conn is opened[1] and p.size == 1


async def test_a_failed_connect_frees_its_slot_and_reaches_the_caller() -> None:
    p, opened = pool(max_size=1, fail=[OSError("connection refused")])
    with pytest.raises(OSError):
        await p.acquire()
    assert p.size == 0
    assert await p.acquire() is opened[0]


async def test_a_waiter_that_gives_up_does_not_lose_the_connection() -> None:
    p, opened = pool(max_size=1)
    held = await p.acquire()
    waiter = asyncio.create_task(p.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    p.release(held)
    assert p.idle == 1 and await p.acquire() is held


async def test_closing_closes_idle_connections_and_refuses_new_callers() -> None:
    p, opened = pool(max_size=2)
    lent = await p.acquire()
    p.release(await p.acquire())
    await p.close()
    assert opened[1].closed and not lent.closed
    p.release(lent)  # given back after the close: closed too
    assert lent.closed and p.size == 0
    with pytest.raises(asyncpg.InterfaceError):
        await p.acquire()
