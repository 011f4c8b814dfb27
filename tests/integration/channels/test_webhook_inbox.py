"""The webhook inbox over HTTP: a chat message is stored before its 200, worked from the store, taken up by
another process when the one that acknowledged it died, kept and retried when its work fails (its answer sent
once, however often it is retried), and never acknowledged when it could not be stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import Text, make_url, select, update

from channels import inbound
from channels.base import CHANNEL_CONTEXT
from core.conversations.models import Conversation, ConversationMessage
from core.db.database import Database
from core.messaging.inbox import store
from core.messaging.models import OutboxMessage, WebhookInboxItem
from dialogs.vocabulary import Inbound, Reply
from tests.integration.channels.conftest import TEST_SECRETS, AppFactory, ScriptedHandler, runtime_of, settle
from tests.integration.channels.test_telegram_webhook import HEADERS as TELEGRAM_HEADERS
from tests.integration.channels.test_telegram_webhook import PATH as TELEGRAM_PATH
from tests.integration.channels.test_telegram_webhook import new_user_id
from tests.support.inbox import lapse_claims
from tests.support.provider_payloads import (
    fresh_whatsapp,
    meta_signature,
    telegram_update,
    twilio_params,
    unique_phone,
)


def signed(body: bytes) -> dict[str, str]:
    secret = TEST_SECRETS["whatsapp_app_secret"]
    return {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(body, secret)}


async def inbox_rows(client: TestClient, marker: str) -> list[WebhookInboxItem]:
    """The inbox rows whose payload mentions `marker` (a wamid, a Telegram user id)."""
    async with runtime_of(client).db.system() as s:
        rows = await s.execute(
            select(WebhookInboxItem)
            .where(WebhookInboxItem.payload.cast(Text).contains(marker))
            .order_by(WebhookInboxItem.id)
        )
        return list(rows.scalars())


async def outbox_texts(client: TestClient, recipient: str) -> list[str]:
    async with runtime_of(client).db.system() as s:
        rows = await s.execute(
            select(OutboxMessage.text).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def bot_lines(client: TestClient, phone: str) -> list[str]:
    """What the transcript says the bot answered `phone` (its conversation is keyed by the phone)."""
    async with runtime_of(client).db.system() as s:
        rows = await s.execute(
            select(ConversationMessage.text).join(Conversation)
            .where(Conversation.phone == phone, ConversationMessage.direction == "out")
            .order_by(ConversationMessage.id)
        )  # fmt: skip
        return list(rows.scalars())


async def worked_from_inbox(client: TestClient, recipient: str, seconds: float = 10.0) -> None:
    """Wake the app's inbox loop and wait until what it took up has answered `recipient`."""
    client.server.app[CHANNEL_CONTEXT].inbox_wake.set()
    deadline = asyncio.get_running_loop().time() + seconds
    while not await outbox_texts(client, recipient):
        assert asyncio.get_running_loop().time() < deadline, "the inbox loop did not take the message up"
        await asyncio.sleep(0.05)
    await settle(client)


async def test_a_message_is_stored_before_its_200_and_marked_done_once_worked(channel_app: AppFactory) -> None:
    client = await channel_app()
    phone = unique_phone()
    body, ids = fresh_whatsapp("text_message.json", phone=phone)
    (wamid,) = ids.values()
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
    (stored,) = await inbox_rows(client, wamid)  # committed by the time Meta hears 200
    assert stored.provider == "whatsapp" and stored.payload == json.loads(body)
    await settle(client)
    (worked,) = await inbox_rows(client, wamid)
    assert worked.done_at is not None and worked.attempts == 1 and worked.error is None
    assert await outbox_texts(client, phone) == ["Your savings: RWF 12,000."]


async def test_at_capacity_the_message_waits_in_the_inbox_and_is_worked_when_there_is_room(
    channel_app: AppFactory,
) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    ctx = client.server.app[CHANNEL_CONTEXT]
    ctx.max_backlog = 0
    phone = unique_phone()
    body, ids = fresh_whatsapp("text_message.json", phone=phone)
    (wamid,) = ids.values()
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
    (waiting,) = await inbox_rows(client, wamid)
    assert waiting.claimed_until is None and waiting.attempts == 0 and handler.seen == []
    ctx.max_backlog = 5000
    await worked_from_inbox(client, phone)
    assert [i.text for i in handler.seen] == ["Balance"]
    (worked,) = await inbox_rows(client, wamid)
    assert worked.done_at is not None and worked.attempts == 1


async def test_a_message_acknowledged_by_a_process_that_died_is_worked_by_the_next(
    channel_app: AppFactory, db: Database
) -> None:
    phone = unique_phone()
    body, ids = fresh_whatsapp("text_message.json", phone=phone)
    (wamid,) = ids.values()
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    ctx = client.server.app[CHANNEL_CONTEXT]
    # What another process left when it died: the stored, claimed row and the de-duplication key it had
    # claimed, and no reply. Its claim lapses; this process's inbox loop takes the row up.
    item_id = await store(db, "whatsapp", json.loads(body), claim=True)
    assert await ctx.dedup.first_time("whatsapp", f"msg:{wamid}")
    await lapse_claims(db, item_id)
    await worked_from_inbox(client, phone)
    assert [i.text for i in handler.seen] == ["Balance"]
    assert await outbox_texts(client, phone) == ["Your savings: RWF 12,000."]
    (worked,) = await inbox_rows(client, wamid)
    assert worked.done_at is not None and worked.attempts == 2
    # Meta redelivering the same message later is still a duplicate
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
    await settle(client)
    assert len(handler.seen) == 1


class FailsOnce(ScriptedHandler):
    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        if not self.failed:
            self.failed = True
            raise RuntimeError("the database blinked")
        return await super().__call__(inbound)


async def test_a_message_whose_work_fails_is_kept_with_its_error_and_retried(channel_app: AppFactory) -> None:
    handler = FailsOnce()
    client = await channel_app(handler=handler)
    user = new_user_id()
    update_json = telegram_update("text_message.json", user_id=user)
    assert (await client.post(TELEGRAM_PATH, json=update_json, headers=TELEGRAM_HEADERS)).status == 200
    await settle(client)
    (failed,) = await inbox_rows(client, str(user))
    assert failed.done_at is None and failed.error == "RuntimeError: the database blinked"
    assert failed.claimed_until is not None  # paused before the retry, not given up
    await lapse_claims(runtime_of(client).db, failed.id)  # skip the pause
    await worked_from_inbox(client, str(update_json["message"]["chat"]["id"]))
    (worked,) = await inbox_rows(client, str(user))
    assert worked.done_at is not None and worked.attempts == 2 and worked.error is None
    assert len(handler.seen) == 1  # the second attempt got through the de-duplication its first had claimed


async def test_an_answer_lost_between_the_saved_turn_and_the_outbox_is_sent_by_the_retry(
    channel_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies (here: the outbox insert fails) after the conversation turn was saved: the retry finds
    the turn saved, does not run it again, and queues the answer that turn recorded."""
    client = await channel_app(handler="router")
    phone = unique_phone()
    body, ids = fresh_whatsapp("text_message.json", phone=phone)
    (wamid,) = ids.values()
    queue = inbound.enqueue_replies
    calls = 0

    async def dies_the_first_time(*args: Any, **kwargs: Any) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("the process died here")
        return await queue(*args, **kwargs)

    monkeypatch.setattr(inbound, "enqueue_replies", dies_the_first_time)
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
    await settle(client)
    (failed,) = await inbox_rows(client, wamid)
    assert failed.done_at is None and await outbox_texts(client, phone) == []
    await lapse_claims(runtime_of(client).db, failed.id)
    await worked_from_inbox(client, phone)
    said = await bot_lines(client, phone)
    assert said and await outbox_texts(client, phone) == said  # every line of the saved answer, once


async def test_a_retry_after_the_answer_was_queued_sends_nothing_twice(channel_app: AppFactory) -> None:
    """The process dies after the outbox rows were committed but before the inbox row was marked done."""
    client = await channel_app(handler="router")
    phone = unique_phone()
    body, ids = fresh_whatsapp("text_message.json", phone=phone)
    (wamid,) = ids.values()
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
    await settle(client)
    answer = await outbox_texts(client, phone)
    (done,) = await inbox_rows(client, wamid)
    assert answer and done.done_at is not None
    async with runtime_of(client).db.system() as s:
        await s.execute(update(WebhookInboxItem).where(WebhookInboxItem.id == done.id).values(done_at=None))
    await lapse_claims(runtime_of(client).db, done.id)
    client.server.app[CHANNEL_CONTEXT].inbox_wake.set()
    deadline = asyncio.get_running_loop().time() + 10
    while (await inbox_rows(client, wamid))[0].done_at is None:
        assert asyncio.get_running_loop().time() < deadline, "the inbox loop did not take the message up"
        await asyncio.sleep(0.05)
    await settle(client)
    (retried,) = await inbox_rows(client, wamid)
    assert retried.attempts == 2 and await outbox_texts(client, phone) == answer


async def test_an_sms_worked_late_keeps_the_time_it_arrived(channel_app: AppFactory, db: Database) -> None:
    """Twilio's form carries no time: a message that waited in the inbox takes the time it was stored, not the
    time it was worked."""
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    phone = unique_phone()
    # Stored claimed, so the app's inbox loop cannot take it up before it is backdated; then the claim lapses.
    item_id = await store(db, "twilio", twilio_params("inbound_sms.json", From=phone, Body="hello"), claim=True)
    arrived = datetime.now(UTC) - timedelta(minutes=40)  # a backlog, or a process that died with it
    async with db.system() as s:
        await s.execute(update(WebhookInboxItem).where(WebhookInboxItem.id == item_id).values(received_at=arrived))
    await lapse_claims(db, item_id)
    await worked_from_inbox(client, phone)
    [seen] = handler.seen
    assert seen.text == "hello" and seen.received_at == arrived


async def test_a_message_that_cannot_be_stored_is_not_acknowledged(
    channel_app: AppFactory, database_url: str
) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    ctx = client.server.app[CHANNEL_CONTEXT]
    working_db = ctx.db
    closed_port = make_url(database_url).set(port=9).render_as_string(hide_password=False)
    unreachable = Database(closed_port, pool_size=1)
    ctx.db = unreachable
    try:
        body, _ = fresh_whatsapp("text_message.json", phone=unique_phone())
        r = await client.post("/channels/whatsapp", data=body, headers=signed(body))
        assert r.status == 503 and "retry later" in (await r.json())["error"]
    finally:
        ctx.db = working_db
        await unreachable.dispose()
    await settle(client)
    assert handler.seen == []  # Meta redelivers what was not acknowledged
