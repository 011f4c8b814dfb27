"""One update at a time per conversation, on Redis and on PostgreSQL: ordering, double taps, busy locks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from bot.conversation_locks import (
    ConversationBusy,
    ConversationLocks,
    PostgresConversationLocks,
    RedisConversationLocks,
)
from bot.router import Router
from core.db.database import Database
from core.loans.models import LoanApplication
from core.redis_wire import RedisWire
from core.settings import Settings
from dialogs.context import Context
from dialogs.dispatch import Engine
from dialogs.engine import DialogState, Outcome, Turn
from dialogs.registry import DIALOGS
from dialogs.vocabulary import Channel
from tests.support.conversations import Chat, add_savings, make_router
from tests.support.factories import make_group, make_member, make_organization

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(params=["redis", "postgres"])
async def locks(request: pytest.FixtureRequest, db: Database, redis_wire: RedisWire) -> AsyncIterator[ConversationLocks]:
    if request.param == "postgres":
        yield PostgresConversationLocks(db)
        return
    yield RedisConversationLocks(redis_wire, prefix=f"test:{time.time_ns()}:")


class SlowEngine(Engine):
    """Records when each turn ran; sleeps inside so overlapping turns would show."""

    def __init__(self) -> None:
        super().__init__(DIALOGS)
        self.spans: list[tuple[str, float, float]] = []

    async def run(self, ctx: Context, current: DialogState, turn: Turn) -> Outcome:
        start = time.monotonic()
        await asyncio.sleep(0.25)
        outcome = await super().run(ctx, current, turn)
        self.spans.append((ctx.conversation_key, start, time.monotonic()))
        return outcome


async def test_two_messages_from_one_member_run_one_after_the_other(db: Database, settings: Settings,
                                                                    locks: ConversationLocks) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    one, two = await make_member(db, org, group), await make_member(db, org, group)
    engine = SlowEngine()
    router = make_router(db, settings, None, locks=locks, engine=engine)
    a, b, c = Chat(router, one.phone), Chat(router, one.phone), Chat(router, two.phone)
    await asyncio.gather(a.say("1"), b.say("2"), c.say("1"))
    same = sorted((s, e) for key, s, e in engine.spans if key == one.phone)
    assert len(same) == 2
    assert same[0][1] <= same[1][0], "one member's turns overlapped"
    other = next((s, e) for key, s, e in engine.spans if key == two.phone)
    assert other[0] < same[0][1] or other[0] < same[1][1]  # another member was not held up by the lock


async def test_a_double_tap_on_confirm_posts_once(db: Database, settings: Settings,
                                                  locks: ConversationLocks) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    await add_savings(db, org, member, group, 10_000)
    router: Router = make_router(db, settings, None, locks=locks)
    chat = Chat(router, member.phone, Channel.WHATSAPP)
    await chat.tap("loan_apply")
    await chat.say("5000")
    await chat.say("2")
    await chat.say("business")
    first, second = await asyncio.gather(chat.tap("yes"), chat.tap("yes"))
    async with db.tenant(org.id) as s:
        count = (await s.execute(select(func.count()).select_from(LoanApplication)
                                 .where(LoanApplication.member_id == member.id))).scalar_one()
    assert count == 1
    said = [r.text for r in (*first, *second)]
    assert sum("submitted" in t for t in said) == 1


async def test_a_held_lock_makes_the_next_holder_wait(locks: ConversationLocks) -> None:
    order: list[str] = []

    async def hold(name: str, seconds: float) -> None:
        async with locks.hold("+250788000001"):
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    await asyncio.gather(hold("a", 0.2), hold("b", 0))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_a_stuck_lock_gives_up(db: Database, redis_wire: RedisWire) -> None:
    for impatient in (PostgresConversationLocks(db, wait=0.2),
                      RedisConversationLocks(redis_wire, prefix=f"stuck:{time.time_ns()}:", wait=0.2)):
        patient = impatient
        async with patient.hold("+250788000002"):
            with pytest.raises(ConversationBusy):
                async with impatient.hold("+250788000002"):
                    pass


async def test_a_redis_lock_that_expired_while_held_is_not_taken_from_its_next_holder(redis_url: str,
                                                                                      redis_wire: RedisWire) -> None:
    redis: Redis = Redis.from_url(redis_url)
    prefix = f"expired:{time.time_ns()}:"
    slow = RedisConversationLocks(redis_wire, prefix=prefix, hold=0.1)
    other = RedisConversationLocks(redis_wire, prefix=prefix, wait=1.0)
    await redis.script_flush()  # the first release sends the script itself, later ones call it by hash
    try:
        async with slow.hold("+250788000003"):
            await asyncio.sleep(0.25)  # expired: another process takes the conversation meanwhile
            async with other.hold("+250788000003"):
                pass
            taken = await redis.set(prefix + "+250788000003", "next-holder", nx=True)
            assert taken
        assert await redis.get(prefix + "+250788000003") == b"next-holder"  # our release left it alone
        await redis.delete(prefix + "+250788000003")
        async with slow.hold("+250788000003"):
            assert await redis.exists(prefix + "+250788000003")
        assert not await redis.exists(prefix + "+250788000003")  # released by hash, the script now loaded
    finally:
        await redis.aclose()
