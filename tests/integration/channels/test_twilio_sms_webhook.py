"""Twilio SMS webhook over HTTP: signatures by Twilio's own RequestValidator against the public URL, empty
TwiML with replies by REST (the outbox), STOP/START, duplicates, and status callbacks."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from bot.keys import JOBS
from core.messaging.models import OutboxMessage
from core.messaging.outbox import enqueue_replies, record_sent
from dialogs.vocabulary import InboundKind, Reply
from tests.integration.channels.conftest import TEST_SECRETS, AppFactory, ScriptedHandler, runtime_of, settle
from tests.support.provider_payloads import twilio_params, twilio_signature, unique_phone

TOKEN = TEST_SECRETS["twilio_auth_token"]
PUBLIC = TEST_SECRETS["public_base_url"]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def post_signed(client: object, path: str, params: dict[str, str], *, url: str | None = None) -> object:
    signature = twilio_signature(url or PUBLIC + path, params, TOKEN)
    return await client.post(path, data=params, headers={**FORM, "X-Twilio-Signature": signature})  # type: ignore[attr-defined]


async def rows_to(client: object, phone: str) -> list[OutboxMessage]:
    async with runtime_of(client).db.system() as s:  # type: ignore[arg-type]
        result = await s.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == phone).order_by(OutboxMessage.id)
        )
        return list(result.scalars())


async def test_a_signed_sms_is_answered_by_rest_with_numbered_choices(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    phone = unique_phone()
    r = await post_signed(
        client, "/channels/sms/twilio", twilio_params("inbound_sms.json", From=phone, Body="hello")
    )
    assert r.status == 200 and r.content_type == "text/xml"  # type: ignore[attr-defined]
    assert "<Response" in await r.text()  # type: ignore[attr-defined]
    await settle(client)
    [inbound] = handler.seen
    assert (inbound.sender, inbound.text, inbound.kind) == (phone, "hello", InboundKind.TEXT)
    [row] = await rows_to(client, phone)
    assert (row.channel, row.status, row.provider) == ("sms", "sent", "sandbox")
    assert [c["title"] for c in row.choices] == ["Balance", "Loans", "Help"]


async def test_signatures_are_checked_against_the_public_url(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    params = twilio_params("inbound_sms.json", From=unique_phone())
    internal = str(client.make_url("/channels/sms/twilio"))  # what the app sees behind the proxy
    assert (await post_signed(client, "/channels/sms/twilio", params, url=internal)).status == 403  # type: ignore[attr-defined]
    forged = await client.post(
        "/channels/sms/twilio", data=params, headers={**FORM, "X-Twilio-Signature": "AAAA"}
    )
    missing = await client.post("/channels/sms/twilio", data=params, headers=FORM)
    tampered_sig = twilio_signature(PUBLIC + "/channels/sms/twilio", params, TOKEN)
    tampered = await client.post(
        "/channels/sms/twilio",
        data={**params, "Body": "send 1000000"},
        headers={**FORM, "X-Twilio-Signature": tampered_sig},
    )
    assert (forged.status, missing.status, tampered.status) == (403, 403, 403)
    await settle(client)
    assert handler.seen == []


async def test_unset_token_is_503_and_malformed_requests_are_400(channel_app: AppFactory) -> None:
    assert (
        await (await channel_app(twilio_auth_token="")).post("/channels/sms/twilio", data={"a": "b"})
    ).status == 503
    client = await channel_app()
    no_sid = twilio_params("inbound_sms.json")
    for key in ("MessageSid", "SmsSid"):
        no_sid.pop(key)
    assert (await post_signed(client, "/channels/sms/twilio", no_sid)).status == 400  # type: ignore[attr-defined]
    bad_from = twilio_params("inbound_sms.json", From="not-a-number")
    assert (await post_signed(client, "/channels/sms/twilio", bad_from)).status == 400  # type: ignore[attr-defined]
    as_json = await client.post("/channels/sms/twilio", json={"Body": "hi"})
    assert as_json.status == 400


async def test_the_same_message_sid_twice_is_processed_once(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    first, second = (
        await channel_app(handler=handler, redis=False),
        await channel_app(handler=handler, redis=False),
    )
    params = twilio_params("inbound_sms.json", From=unique_phone())
    for client in (first, second, first):
        assert (await post_signed(client, "/channels/sms/twilio", params)).status == 200  # type: ignore[attr-defined]
    await settle(first)
    await settle(second)
    assert len(handler.seen) == 1


async def test_stop_blocks_later_messages_and_start_resumes(channel_app: AppFactory) -> None:
    client = await channel_app()
    phone = unique_phone()
    await post_signed(client, "/channels/sms/twilio", twilio_params("inbound_stop.json", From=phone))
    await settle(client)
    [confirmation] = await rows_to(client, phone)
    assert (confirmation.source, confirmation.status) == ("optout", "sent")
    async with runtime_of(client).db.system() as s:
        ids = await enqueue_replies(s, organization_id=None, member_id=None, channel="sms", recipient=phone,
                                    replies=[Reply("reminder")], dispatched=True)  # fmt: skip
    client.server.app[JOBS].submit("messaging.deliver", ids=ids)
    await settle(client)
    blocked = (await rows_to(client, phone))[-1]
    assert (blocked.text, blocked.status) == ("reminder", "failed") and "opted out" in (blocked.error or "")
    await post_signed(
        client, "/channels/sms/twilio", twilio_params("inbound_stop.json", From=phone, Body="START")
    )
    await settle(client)
    assert (await rows_to(client, phone))[-1].status == "sent"


async def test_status_callbacks_move_forward_only(channel_app: AppFactory) -> None:
    client = await channel_app()
    phone = unique_phone()
    sid = "SM" + secrets.token_hex(16)
    async with runtime_of(client).db.system() as s:
        [row_id] = await enqueue_replies(s, organization_id=None, member_id=None, channel="sms", recipient=phone,
                                         replies=[Reply("hi")], dispatched=True)  # fmt: skip
        row = await s.get(OutboxMessage, row_id)
        assert row is not None
        await record_sent(s, [row], provider="twilio", provider_message_ids=[sid])

    async def status(name: str, path: str = "/channels/sms/twilio/status") -> str:
        params = twilio_params(name, To=phone)
        params.update(MessageSid=sid, SmsSid=sid)
        assert (await post_signed(client, path, params)).status == 200  # type: ignore[attr-defined]
        await settle(client)
        async with runtime_of(client).db.system() as s:
            got = await s.get(OutboxMessage, row_id, populate_existing=True)
            assert got is not None
            return got.status

    assert await status("status_delivered.json") == "delivered"
    assert await status("status_sent.json") == "delivered"
    assert await status("status_undelivered.json", path="/channels/sms/twilio") == "delivered"
