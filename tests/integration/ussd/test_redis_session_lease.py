"""The USSD session store on Redis takes the phone's conversation lock with the session load and gives it
back with the save (two round trips a hop); a busy conversation leaves the locking to the router; a handler
that overran its budget keeps the lock until it finishes. The store talks through the pipelined connection;
the checks read Redis through redis-py, a client of their own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis

from bot.conversation_locks import RedisConversationLocks
from core.redis_wire import RedisWire
from dialogs.vocabulary import Inbound, Reply
from ussd.engine import SLOW_NOTICE, UssdEngine, UssdHop
from ussd.session import RedisSessionStore, UssdState


@pytest.fixture
def prefix() -> str:
    return f"lease:{time.time_ns()}:"


@pytest.fixture
def phone() -> str:  # each test its own member and sessions: Redis keys outlive a test run
    return f"+25078{time.time_ns() % 10_000_000:07d}"


async def test_the_load_takes_the_lock_and_the_save_gives_it_back(redis: Redis, redis_wire: RedisWire, prefix: str, phone: str) -> None:
    store = RedisSessionStore(redis_wire, lock_prefix=prefix)
    await store.save(UssdState(f"s1:{phone}", phone, last_text="1"))
    loaded = await store.load(f"s1:{phone}", phone)
    assert loaded.state is not None and loaded.state.last_text == "1" and loaded.lease is not None
    assert await redis.get(prefix + phone) == loaded.lease.token.encode()
    await store.save(UssdState(f"s1:{phone}", phone, last_text="1*2"), loaded.lease)
    assert not await redis.exists(prefix + phone)
    assert (await store.load(f"s1:{phone}", phone)).state.last_text == "1*2"  # type: ignore[union-attr]


async def test_a_busy_conversation_is_read_without_the_lock_and_left_alone(redis: Redis, redis_wire: RedisWire, prefix: str, phone: str) -> None:
    store = RedisSessionStore(redis_wire, lock_prefix=prefix)
    await store.save(UssdState(f"s2:{phone}", phone, last_text="3"))
    await redis.set(prefix + phone, "a-whatsapp-turn", px=5_000)
    loaded = await store.load(f"s2:{phone}", phone)
    assert loaded.lease is None and loaded.state is not None and loaded.state.last_text == "3"
    await store.save(UssdState(f"s2:{phone}", phone, last_text="3*1"))
    assert await redis.get(prefix + phone) == b"a-whatsapp-turn"  # not ours to release


async def test_a_hop_runs_under_the_lock_and_waits_for_another_channels_turn(redis: Redis, redis_wire: RedisWire, prefix: str, phone: str) -> None:
    store = RedisSessionStore(redis_wire, lock_prefix=prefix)
    locks = RedisConversationLocks(redis_wire, prefix=prefix)
    seen: list[tuple[bool, bytes | None]] = []

    async def router(inbound: Inbound) -> Sequence[Reply]:  # the router's own lock unless the engine holds it
        if inbound.serialized:
            seen.append((True, await redis.get(prefix + phone)))
            return [Reply("Your savings: 1,000 RWF", final=True)]
        async with locks.hold(phone):
            seen.append((False, None))
            return [Reply("Your savings: 1,000 RWF", final=True)]

    engine = UssdEngine(router, store)
    await engine.hop(UssdHop(f"s3:{phone}", phone, ""))
    assert seen[0][0] and seen[0][1] is not None  # the engine held the lock through the turn
    assert not await redis.exists(prefix + phone)

    order: list[str] = []

    async def whatsapp_turn() -> None:
        async with locks.hold(phone):
            order.append("whatsapp in")
            await asyncio.sleep(0.2)
            order.append("whatsapp out")

    busy = asyncio.create_task(whatsapp_turn())
    await asyncio.sleep(0.05)
    await engine.hop(UssdHop(f"s4:{phone}", phone, ""))
    order.append("ussd answered")
    await busy
    assert order == ["whatsapp in", "whatsapp out", "ussd answered"] and seen[-1] == (False, None)


async def test_a_handler_over_its_budget_keeps_the_lock_until_it_finishes(redis: Redis, redis_wire: RedisWire, prefix: str, phone: str) -> None:
    store = RedisSessionStore(redis_wire, lock_prefix=prefix, hold=0.2, renew=0.05)

    async def slow(inbound: Inbound) -> Sequence[Reply]:
        await asyncio.sleep(0.6)  # three holds: the handed-over lease is renewed while it runs
        return [Reply("Your savings: 1,000 RWF", final=True)]

    followed: list[str] = []

    async def followup(phone: str, replies: Sequence[Reply]) -> None:
        followed.append(replies[0].text)

    engine = UssdEngine(slow, store, followup=followup, budget=0.05)
    answer = await engine.hop(UssdHop(f"s5:{phone}", phone, ""))
    assert answer.end and answer.text == SLOW_NOTICE
    assert await redis.exists(prefix + phone)  # the turn still runs: nobody else may start one
    await asyncio.sleep(0.4)
    assert await redis.exists(prefix + phone)  # past its hold, still
    await engine.drain()
    assert not await redis.exists(prefix + phone) and followed == ["Your savings: 1,000 RWF"]
