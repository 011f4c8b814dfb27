"""Telegram webhook over HTTP: the secret-token header, Update.de_json parsing of recorded updates, inline
keyboard answers, and linking a chat to a phone by sharing one's own contact."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from core.messaging.identities import identity
from core.messaging.models import OutboxMessage
from dialogs.vocabulary import InboundKind
from tests.integration.channels.conftest import TEST_SECRETS, AppFactory, ScriptedHandler, runtime_of, settle
from tests.support.provider_payloads import telegram_update, unique_phone

SECRET = TEST_SECRETS["telegram_webhook_secret"]
PATH = "/channels/telegram/hook"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def new_user_id() -> int:
    return 5_000_000_000 + secrets.randbelow(10**9)


async def rows_to(client: object, chat_id: int) -> list[OutboxMessage]:
    async with runtime_of(client).db.system() as s:  # type: ignore[arg-type]
        result = await s.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == str(chat_id)).order_by(OutboxMessage.id)
        )
        return list(result.scalars())


async def test_secret_token_is_required(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    update = telegram_update("text_message.json")
    assert (await client.post(PATH, json=update)).status == 403
    assert (
        await client.post(PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    ).status == 403
    unset = await channel_app(telegram_webhook_secret="")
    assert (await unset.post(PATH, json=update, headers=HEADERS)).status == 503
    await settle(client)
    assert handler.seen == []


async def test_malformed_updates_are_400(channel_app: AppFactory) -> None:
    client = await channel_app()
    assert (await client.post(PATH, data=b"{oops", headers=HEADERS)).status == 400
    assert (await client.post(PATH, json={"message": {}}, headers=HEADERS)).status == 400
    assert (await client.post(PATH, json=[1, 2], headers=HEADERS)).status == 400


async def test_start_then_a_tap_on_the_inline_keyboard(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    user = new_user_id()
    assert (
        await client.post(PATH, json=telegram_update("start_command.json", user_id=user), headers=HEADERS)
    ).status == 200
    assert (
        await client.post(PATH, json=telegram_update("callback_query.json", user_id=user), headers=HEADERS)
    ).status == 200
    await settle(client)
    start, tap = handler.seen
    assert (start.kind, start.sender, start.channel_user_id) == (
        InboundKind.SESSION_START,
        f"telegram:{user}",
        str(user),
    )
    assert (tap.kind, tap.choice_id, tap.text) == (InboundKind.CHOICE, "balance", "Balance")
    menu, balance = await rows_to(client, user)
    assert [c["id"] for c in menu.choices] == ["balance", "loans", "help"] and menu.status == "sent"
    assert balance.text == "Your savings: RWF 12,000."


async def test_sharing_ones_own_contact_links_the_phone(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    user, phone = new_user_id(), unique_phone()
    shared = telegram_update("contact_shared.json", user_id=user)
    shared["message"]["contact"]["phone_number"] = phone.lstrip("+")  # Telegram sends it without '+'
    assert (await client.post(PATH, json=shared, headers=HEADERS)).status == 200
    await settle(client)
    await client.post(PATH, json=telegram_update("text_message.json", user_id=user), headers=HEADERS)
    await settle(client)
    contact, text = handler.seen
    assert (contact.kind, contact.contact_phone, contact.sender) == (InboundKind.CONTACT, phone, phone)
    assert (text.kind, text.sender, text.text) == (InboundKind.TEXT, phone, "balance")
    async with runtime_of(client).db.system() as s:
        linked = await identity(s, "telegram", str(user))
    assert linked is not None and linked.phone == phone and linked.linked_at is not None


async def test_someone_elses_contact_is_not_linked(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    user = new_user_id()
    await client.post(
        PATH, json=telegram_update("contact_of_someone_else.json", user_id=user), headers=HEADERS
    )
    await settle(client)
    assert handler.seen == []
    [ask] = await rows_to(client, user)
    assert ask.payload.get("request_contact") is True
    async with runtime_of(client).db.system() as s:
        assert await identity(s, "telegram", str(user)) is None


async def test_a_photo_gets_a_polite_reply_and_duplicates_are_dropped(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    first, second = await channel_app(handler=handler), await channel_app(handler=handler)
    update = telegram_update("photo_message.json", user_id=new_user_id())
    for client in (first, second):
        assert (await client.post(PATH, json=update, headers=HEADERS)).status == 200
    await settle(first)
    await settle(second)
    assert [i.kind for i in handler.seen] == [InboundKind.UNSUPPORTED]
