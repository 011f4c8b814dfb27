"""WhatsApp Cloud API webhook over HTTP: verification, signatures, fast acknowledgement, parsing of recorded
payloads, de-duplication across app instances, and status callbacks that never move backwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from core.messaging.models import OutboxMessage
from core.messaging.outbox import enqueue_replies, record_sent
from dialogs.vocabulary import Inbound, InboundKind, Reply
from tests.integration.channels.conftest import TEST_SECRETS, AppFactory, ScriptedHandler, runtime_of, settle
from tests.support.provider_payloads import fresh_whatsapp, meta_signature, unique_phone

SECRET = TEST_SECRETS["whatsapp_app_secret"]


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(body, SECRET)}


async def outbox_for(client: object, recipient: str) -> list[OutboxMessage]:
    async with runtime_of(client).db.system() as s:  # type: ignore[arg-type]
        rows = await s.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def test_verification_echoes_the_challenge_only_for_our_token(channel_app: AppFactory) -> None:
    client = await channel_app()
    ok = await client.get(
        "/channels/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "test-verify-token",
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status == 200 and await ok.text() == "1158201444"
    wrong = await client.get(
        "/channels/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
    )
    assert wrong.status == 403
    malformed = await client.get("/channels/whatsapp", params={"hub.verify_token": "test-verify-token"})
    assert malformed.status == 400


async def test_unconfigured_secrets_refuse_with_503(channel_app: AppFactory) -> None:
    client = await channel_app(whatsapp_verify_token="", whatsapp_app_secret="")
    body, _ = fresh_whatsapp("text_message.json")
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 503
    r = await client.get(
        "/channels/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"}
    )
    assert r.status == 503


async def test_a_signed_text_message_gets_a_reply_in_the_outbox(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    phone = unique_phone()
    body, _ = fresh_whatsapp("text_message.json", phone=phone)
    r = await client.post("/channels/whatsapp", data=body, headers=signed(body))
    assert r.status == 200
    await settle(client)
    [inbound] = handler.seen
    assert (inbound.kind, inbound.text, inbound.sender, inbound.profile_name) == (
        InboundKind.TEXT, "Balance", phone, "Uwase Aline",
    )  # fmt: skip
    [row] = await outbox_for(client, phone)
    assert (row.channel, row.text, row.status, row.provider) == (
        "whatsapp",
        "Your savings: RWF 12,000.",
        "sent",
        "sandbox",
    )


@pytest.mark.parametrize(
    "headers", [{}, {"X-Hub-Signature-256": "sha256=" + "0" * 64}, {"X-Hub-Signature-256": "garbage"}]
)
async def test_unsigned_or_forged_posts_are_refused(channel_app: AppFactory, headers: dict[str, str]) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    body, _ = fresh_whatsapp("text_message.json")
    r = await client.post(
        "/channels/whatsapp", data=body, headers={"Content-Type": "application/json", **headers}
    )
    assert r.status == 403 and "error" in await r.json()
    await settle(client)
    assert handler.seen == []


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"object": "page", "entry": []}', b'{"object": "whatsapp_business_account"}']
)
async def test_malformed_bodies_get_400_with_a_reason(channel_app: AppFactory, body: bytes) -> None:
    client = await channel_app()
    r = await client.post("/channels/whatsapp", data=body, headers=signed(body))
    assert r.status == 400 and (await r.json())["error"]


async def test_interactive_replies_and_other_types(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    phone = unique_phone()
    for name in ("button_reply.json", "list_reply.json", "image_message.json", "reaction_message.json"):
        body, _ = fresh_whatsapp(name, phone=phone)
        assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
        await settle(client)
    kinds = [(i.kind, i.choice_id, i.text) for i in handler.seen]
    assert kinds == [
        (InboundKind.CHOICE, "balance", "Balance"),
        (InboundKind.CHOICE, "loans", "Loans"),
        (InboundKind.UNSUPPORTED, None, ""),
    ]  # the reaction needs no answer
    rows = await outbox_for(client, phone)
    assert rows[-1].text == "Sorry, I can only read text." and [c["id"] for c in rows[-1].choices] == [
        "balance",
        "loans",
        "help",
    ]


async def test_one_post_with_two_entries_processes_both(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    body, _ = fresh_whatsapp("two_entries.json", phone=unique_phone())
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
    await settle(client)
    assert sorted(i.text for i in handler.seen) == ["Hello", "Menu"]


@pytest.mark.parametrize("redis", [True, False], ids=["redis", "postgres"])
async def test_a_redelivery_to_another_instance_is_processed_once(
    channel_app: AppFactory, redis: bool
) -> None:
    handler = ScriptedHandler()
    first, second = (
        await channel_app(handler=handler, redis=redis),
        await channel_app(handler=handler, redis=redis),
    )
    body, _ = fresh_whatsapp("text_message.json", phone=unique_phone())
    results = await asyncio.gather(
        first.post("/channels/whatsapp", data=body, headers=signed(body)),
        second.post("/channels/whatsapp", data=body, headers=signed(body)),
        first.post("/channels/whatsapp", data=body, headers=signed(body)),
    )
    assert [r.status for r in results] == [200, 200, 200]
    await settle(first)
    await settle(second)
    assert len(handler.seen) == 1


class SlowHandler:
    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        await asyncio.sleep(1.5)
        return [Reply("late but fine")]


async def test_acknowledges_before_the_work_is_done(channel_app: AppFactory) -> None:
    client = await channel_app(handler=SlowHandler())
    phone = unique_phone()
    body, _ = fresh_whatsapp("text_message.json", phone=phone)
    started = time.perf_counter()
    r = await client.post("/channels/whatsapp", data=body, headers=signed(body))
    assert r.status == 200 and time.perf_counter() - started < 0.5
    await settle(client)
    assert [row.text for row in await outbox_for(client, phone)] == ["late but fine"]


async def test_statuses_move_forward_only(channel_app: AppFactory) -> None:
    client = await channel_app()
    phone = unique_phone()
    body, ids = fresh_whatsapp("status_sent.json", phone=phone)
    [wamid] = ids.values()
    async with runtime_of(client).db.system() as s:
        [row_id] = await enqueue_replies(
            s,
            organization_id=None,
            member_id=None,
            channel="whatsapp",
            recipient=phone,
            replies=[Reply("hi")],
            dispatched=True,
        )
        row = await s.get(OutboxMessage, row_id)
        assert row is not None
        await record_sent(s, [row], provider="whatsapp", provider_message_ids=[wamid])

    async def post(name: str) -> str:
        data, _ = fresh_whatsapp(name, phone=phone, message_id=wamid)
        assert (await client.post("/channels/whatsapp", data=data, headers=signed(data))).status == 200
        await settle(client)
        async with runtime_of(client).db.system() as s:
            got = await s.get(OutboxMessage, row_id, populate_existing=True)
            assert got is not None
            return got.status

    assert await post("status_delivered.json") == "delivered"
    assert await post("status_sent.json") == "delivered"  # late 'sent' does not undo 'delivered'
    assert await post("status_read.json") == "read"
    assert await post("status_failed.json") == "read"  # nor does a stray failure after it was read
