"""Outbox delivery: retries with backoff, permanent failures, pacing per recipient, in-process reruns, the
NOTIFY relay, row-level security on outbox rows, and the member's preferred channel."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.delivery_jobs import CLIENTS
from bot.jobs import JobDispatcher
from bot.runtime import open_runtime
from channels.base import ProviderError, SendOptions
from channels.delivery import Deliverer, Outcome
from core.db.database import Database
from core.messaging.errors import RetryLater
from core.messaging.identities import enqueue_for_member, link_phone, record_inbound
from core.messaging.models import OutboxMessage
from core.messaging.outbox import enqueue_replies
from core.messaging.pacing import MemoryPacer, Pace
from core.settings import Settings
from dialogs.vocabulary import Channel, Reply
from tests.integration.channels.conftest import AppFactory, runtime_of
from tests.support.factories import make_member, make_organization
from tests.support.provider_payloads import unique_phone


@dataclass
class FakeProvider:
    """A provider that fails the first `failures` sends (retryable or not), then accepts."""

    name: str = "whatsapp"
    channel: Channel = Channel.WHATSAPP
    failures: int = 0
    retryable: bool = True
    retry_after: float | None = None
    calls: list[tuple[str, list[str], SendOptions]] = field(default_factory=list)

    async def send(self, recipient: str, replies: Sequence[Reply], options: SendOptions) -> list[str]:
        self.calls.append((recipient, [r.text for r in replies], options))
        if len(self.calls) <= self.failures:
            raise ProviderError(
                "provider busy", retryable=self.retryable, retry_after=self.retry_after, code="131000"
            )
        return [f"wamid.fake{len(self.calls)}"]

    async def close(self) -> None:
        return None


class Unpaced:
    async def reserve(self, key: str, pace: Pace) -> float:
        return 0.0


async def queued(db: Database, recipient: str, *texts: str, channel: str = "whatsapp") -> list[int]:
    async with db.system() as s:
        return await enqueue_replies(s, organization_id=None, member_id=None, channel=channel, recipient=recipient,
                                     replies=[Reply(t) for t in texts], dispatched=True)  # fmt: skip


async def rows(db: Database, ids: Sequence[int]) -> list[OutboxMessage]:
    async with db.system() as s:
        return list(
            (
                await s.execute(
                    select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
                )
            ).scalars()
        )


async def test_a_batch_is_rendered_together_and_sent_once(db: Database) -> None:
    provider = FakeProvider()
    deliverer = Deliverer(db, {Channel.WHATSAPP: provider}, MemoryPacer())
    ids = await queued(db, unique_phone(), "Your balance is 5,000", "Anything else?")
    assert await deliverer.deliver(ids) is Outcome.SENT
    assert await deliverer.deliver(ids) is Outcome.NOTHING  # idempotent: a redelivered job sends nothing
    [(_, texts, options)] = provider.calls
    assert texts == ["Your balance is 5,000", "Anything else?"] and options.window_open is False
    assert {(r.status, r.provider, tuple(r.provider_message_ids)) for r in await rows(db, ids)} == {
        ("sent", "whatsapp", ("wamid.fake1",))
    }


async def test_transient_failures_retry_with_backoff_then_give_up(db: Database) -> None:
    provider = FakeProvider(failures=100)
    deliverer = Deliverer(db, {Channel.WHATSAPP: provider}, Unpaced())
    ids = await queued(db, unique_phone(), "hello")
    delays = []
    for _ in range(7):
        with pytest.raises(RetryLater) as caught:
            await deliverer.deliver(ids)
        delays.append(caught.value.delay)
    assert delays == [4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]  # WhatsApp: base 4 s, doubling
    assert await deliverer.deliver(ids) is Outcome.FAILED  # the 8th attempt is the last
    [row] = await rows(db, ids)
    assert (row.status, row.attempts) == ("failed", 8) and "busy" in (row.error or "")


async def test_permanent_failures_fail_at_once(db: Database) -> None:
    deliverer = Deliverer(db, {Channel.WHATSAPP: FakeProvider(failures=1, retryable=False)}, MemoryPacer())
    ids = await queued(db, unique_phone(), "hello")
    assert await deliverer.deliver(ids) is Outcome.FAILED
    assert (await rows(db, ids))[0].error == "131000 provider busy"


async def test_pacing_per_recipient_defers_the_surplus(db: Database) -> None:
    deliverer = Deliverer(db, {Channel.WHATSAPP: FakeProvider()}, MemoryPacer())
    phone = unique_phone()
    for _ in range(4):  # the burst WhatsApp tolerates per user
        assert await deliverer.deliver(await queued(db, phone, "x")) is Outcome.SENT
    with pytest.raises(RetryLater) as caught:
        await deliverer.deliver(await queued(db, phone, "one too many"))
    assert 0 < caught.value.delay <= 6.0
    assert await deliverer.deliver(await queued(db, unique_phone(), "someone else")) is Outcome.SENT


async def test_inline_jobs_rerun_after_a_transient_failure(settings: Settings, db: Database) -> None:
    rt = await open_runtime(settings.model_copy(update={"redis_url": None}))
    try:
        provider = FakeProvider(failures=1, retry_after=0.05)
        rt.extras[CLIENTS] = {Channel.WHATSAPP: provider}
        jobs = JobDispatcher(rt, celery=None)
        ids = await queued(db, unique_phone(), "retry me")
        jobs.submit("messaging.deliver", ids=ids)
        await jobs.drain()
        [row] = await rows(db, ids)
        assert (row.status, row.attempts, len(provider.calls)) == ("sent", 2, 2)
    finally:
        await rt.close()


async def test_rows_enqueued_elsewhere_are_relayed_on_commit(channel_app: AppFactory) -> None:
    client = await channel_app()
    db = runtime_of(client).db
    phone = unique_phone()
    async with db.system() as s:  # e.g. an OTP from the member API: no dispatcher at hand
        ids = await enqueue_replies(s, organization_id=None, member_id=None, channel="sms", recipient=phone,
                                    replies=[Reply("Your code is 123456", otp="123456")], source="otp")  # fmt: skip
    for _ in range(100):
        if (await rows(db, ids))[0].status == "sent":
            break
        await asyncio.sleep(0.05)
    assert (await rows(db, ids))[0].status == "sent"


async def test_outbox_rows_are_tenant_scoped(db: Database) -> None:
    org_a, org_b = await make_organization(db), await make_organization(db)
    member = await make_member(db, org_a)
    async with db.tenant(org_a.id) as s:
        [mine] = await enqueue_replies(s, organization_id=org_a.id, member_id=member.id, channel="sms",
                                       recipient=member.phone, replies=[Reply("loan approved")], source="reminder")  # fmt: skip
    [unknown] = await queued(db, unique_phone(), "who are you?", channel="sms")
    async with db.tenant(org_a.id) as s:
        visible = set(
            (await s.execute(select(OutboxMessage.id).where(OutboxMessage.id.in_([mine, unknown])))).scalars()
        )
    assert visible == {mine}
    async with db.tenant(org_b.id) as s:
        assert (
            await s.execute(select(OutboxMessage.id).where(OutboxMessage.id.in_([mine, unknown])))
        ).first() is None
    with pytest.raises(Exception, match="row-level security"):
        async with db.tenant(org_b.id) as s:
            await enqueue_replies(s, organization_id=None, member_id=None, channel="sms", recipient="+250788000009",
                                  replies=[Reply("x")])  # fmt: skip


async def test_preferred_channel_follows_the_member(db: Database) -> None:
    org = await make_organization(db)
    member = await make_member(db, org)

    async def route(**kw: object) -> str:
        async with db.system() as s:
            [row_id] = await enqueue_for_member(s, organization_id=org.id, member_id=member.id, phone=member.phone,
                                                replies=[Reply("Reminder", **kw)], source="reminder")  # type: ignore[arg-type]  # fmt: skip
            row = await s.get(OutboxMessage, row_id)
            assert row is not None
            return f"{row.channel}:{row.recipient}"

    assert await route() == f"sms:{member.phone}"
    async with db.system() as s:
        await link_phone(s, channel="telegram", address="5123", phone=member.phone, chat_id="5123")
    assert await route() == "telegram:5123"
    async with db.system() as s:
        await record_inbound(s, channel="whatsapp", address=member.phone.lstrip("+"), phone=member.phone)
    assert await route() == f"whatsapp:{member.phone}"
