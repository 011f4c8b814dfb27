"""The conversation lock's hold is short and renewed while its holder lives: a process that is killed frees the
conversation within the hold, a living one keeps it for as long as its turn runs (up to a stuck turn's limit),
and a lock that already became someone else's is never extended."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from redis.asyncio import Redis

from bot.conversation_locks import ConversationBusy, RedisConversationLocks
from core.conversations.redis_lock import HOLD_SECONDS, LockKeeper, new_token
from core.redis_wire import RedisWire


@pytest.fixture
def prefix() -> str:
    return f"keeper:{time.time_ns()}:"


PHONE = "+250788000042"

HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from bot.conversation_locks import RedisConversationLocks
    from core.redis_wire import RedisWire

    async def main() -> None:
        locks = RedisConversationLocks(RedisWire.from_url(sys.argv[1]), prefix=sys.argv[2], hold=0.5, renew=0.1)
        async with locks.hold(sys.argv[3]):
            print("held", flush=True)
            await asyncio.sleep(60)  # a turn that is still running when the process is killed

    asyncio.run(main())
    """
)


async def test_a_killed_holder_frees_the_conversation_within_the_hold(redis_url: str, redis_wire: RedisWire,
                                                                      prefix: str) -> None:  # fmt: skip
    holder = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", HOLDER, redis_url, prefix, PHONE], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        other = RedisConversationLocks(redis_wire, prefix=prefix, wait=1.5)
        with pytest.raises(ConversationBusy):  # three holds long: the living holder renewed it meanwhile
            async with other.hold(PHONE):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        killed = time.monotonic()
        async with other.hold(PHONE):
            waited = time.monotonic() - killed
    finally:
        holder.kill()
        holder.wait()
    assert waited < 0.5 + 0.2  # the hold, and the poll's slack; not the 30 s the lock used to be held


async def test_the_default_hold_frees_a_dead_holders_conversation_within_seconds(redis: Redis, redis_wire: RedisWire,
                                                                              prefix: str) -> None:  # fmt: skip
    locks = RedisConversationLocks(redis_wire, prefix=prefix)
    async with locks.hold(PHONE):
        assert 0 < await redis.pttl(prefix + PHONE) <= HOLD_SECONDS * 1000 <= 10_000


async def test_a_stuck_turn_stops_being_renewed(redis: Redis, redis_wire: RedisWire, prefix: str) -> None:
    keeper = LockKeeper(redis_wire, hold_ms=200, every=0.05, longest=0.4)
    token = new_token()
    assert await redis.set(prefix + PHONE, token, nx=True, px=200)
    keeper.keep(prefix + PHONE, token)
    await asyncio.sleep(0.3)
    assert await redis.get(prefix + PHONE) == token.encode()  # renewed past its hold
    await asyncio.sleep(0.5)
    assert not await redis.exists(prefix + PHONE)  # past `longest`: let expire, and never taken back
    keeper.drop(prefix + PHONE, token)


async def test_a_lock_that_became_someone_elses_is_not_extended(redis: Redis, redis_wire: RedisWire,
                                                                prefix: str) -> None:  # fmt: skip
    keeper = LockKeeper(redis_wire, hold_ms=60_000, every=60)
    mine, yours = prefix + "mine", prefix + "yours"
    keeper.keep(mine, "token-a")
    keeper.keep(yours, "token-b")
    await redis.set(mine, "token-a", px=1_000)
    await redis.set(yours, "another-process", px=1_000)  # ours expired during a stall; it was taken
    assert await keeper.renew() == 1
    assert await redis.pttl(mine) > 1_000 and await redis.pttl(yours) <= 1_000
    keeper.drop(mine, "token-a")
    keeper.drop(yours, "token-b")
    assert await keeper.renew() == 0
