"""Africa's Talking USSD over HTTP: CON/END screens within 182 characters, choices by number, paging served
without the handler, a dropped session resumed, gateway retries, slow work ending in an SMS, both stores."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from channels.base import CHANNEL_CONTEXT
from core.messaging.models import OutboxMessage
from dialogs.vocabulary import Choice, Inbound, InboundKind, Reply
from tests.integration.channels.conftest import AppFactory, ScriptedHandler, runtime_of, settle
from tests.support.provider_payloads import fixture_text, unique_phone, unique_session, ussd_hops

PATH = "/channels/ussd/africastalking"
LONG_MENU = tuple(Choice(f"opt{i}", f"Option number {i} with a long title") for i in range(1, 13))


class LongMenuHandler(ScriptedHandler):
    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        self.seen.append(inbound)
        if inbound.kind in (InboundKind.SESSION_START,) or inbound.choice_id is None and inbound.text != "0":
            return [Reply("Choose a service:", choices=LONG_MENU)]
        return [Reply(f"You chose {inbound.choice_id or inbound.text}.", final=True)]


async def hop(client: object, session: str, phone: str, text: str) -> tuple[int, str]:
    form = {
        "sessionId": session,
        "serviceCode": "*384*1#",
        "phoneNumber": phone,
        "networkCode": "63510",
        "text": text,
    }
    r = await client.post(PATH, data=form)  # type: ignore[attr-defined]
    return r.status, await r.text()


@pytest.mark.parametrize("redis", [True, False], ids=["redis", "postgres"])
async def test_dial_menu_and_a_choice_by_number(channel_app: AppFactory, redis: bool) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler, redis=redis)
    phone = unique_phone()
    first, answer = ussd_hops(phone)[:2]
    r = await client.post(PATH, data=first)
    body = await r.text()
    assert r.status == 200 and r.content_type == "text/plain"
    assert body == "CON Murakaza neza! Choose:\n1. Balance\n2. Loans\n3. Help"
    r = await client.post(PATH, data=answer)
    assert await r.text() == "END Your savings: RWF 12,000."
    assert [(i.kind, i.choice_id, i.sender) for i in handler.seen] == [
        (InboundKind.SESSION_START, None, phone),
        (InboundKind.CHOICE, "balance", phone),
    ]


@pytest.mark.parametrize("redis", [True, False], ids=["redis", "postgres"])
async def test_paging_is_served_without_the_handler(channel_app: AppFactory, redis: bool) -> None:
    handler = LongMenuHandler()
    client = await channel_app(handler=handler, redis=redis)
    session, phone = unique_session(), unique_phone()
    _, page1 = await hop(client, session, phone, "")
    assert page1.startswith("CON Choose a service:\n1. Option") and page1.endswith("\n98 More")
    _, page2 = await hop(client, session, phone, "98")
    assert "98 More" in page2 and "0 Back" in page2 and "00 Menu" in page2
    _, back = await hop(client, session, phone, "98*0")
    assert back == page1
    screens = [page1, page2]
    assert all(len(s) - 4 <= 182 for s in screens)
    assert len(handler.seen) == 1  # 98 and 0 never reached the handler
    last_number = page2.split("\n")[-4].split(".")[0]
    _, chosen = await hop(client, session, phone, f"98*0*{last_number}")
    assert chosen == f"END You chose opt{last_number}."


async def test_zero_is_an_answer_when_the_screen_shows_no_paging(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    session, phone = unique_session(), unique_phone()
    await hop(client, session, phone, "")
    await hop(client, session, phone, "0")
    assert (handler.seen[-1].kind, handler.seen[-1].text) == (InboundKind.TEXT, "0")


async def test_a_gateway_retry_gets_the_same_screen(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    session, phone = unique_session(), unique_phone()
    first = await hop(client, session, phone, "")
    again = await hop(client, session, phone, "")
    assert first == again and len(handler.seen) == 1


@pytest.mark.parametrize("redis", [True, False], ids=["redis", "postgres"])
async def test_a_dropped_session_resumes_when_the_member_dials_again(
    channel_app: AppFactory, redis: bool
) -> None:
    handler = LongMenuHandler()
    client = await channel_app(handler=handler, redis=redis)
    phone, s1, s2 = unique_phone(), unique_session(), unique_session()
    await hop(client, s1, phone, "")
    _, page2 = await hop(client, s1, phone, "98")  # the network drops here
    status, resumed = await hop(client, s2, phone, "")
    assert status == 200 and resumed == page2  # page 2 already offers 00 Menu
    assert len(handler.seen) == 1
    _, answered = await hop(client, s2, phone, "10")
    assert answered == "END You chose opt10."


class SlowHandler:
    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        await asyncio.sleep(1.2)
        return [Reply("Your statement: 12 payments this year.")]


async def test_slow_work_ends_the_session_and_follows_up_by_sms(channel_app: AppFactory) -> None:
    client = await channel_app(handler=SlowHandler())
    phone = unique_phone()
    status, body = await hop(client, unique_session(), phone, "")
    assert status == 200 and body.startswith("END ") and "SMS" in body
    await client.server.app[CHANNEL_CONTEXT].extras["ussd_engine"].drain()
    await settle(client)
    async with runtime_of(client).db.system() as s:
        rows = (
            (await s.execute(select(OutboxMessage).where(OutboxMessage.recipient == phone))).scalars().all()
        )
    assert [(r.channel, r.text, r.status) for r in rows] == [
        ("sms", "Your statement: 12 payments this year.", "sent")
    ]


@pytest.mark.parametrize(
    "form",
    [
        {"serviceCode": "*384*1#", "phoneNumber": "+250788000001", "text": ""},
        {"sessionId": "ATUid_x", "serviceCode": "*384*1#", "text": ""},
        {"sessionId": "ATUid_x", "phoneNumber": "not a phone", "text": ""},
    ],
)
async def test_malformed_hops_are_400(channel_app: AppFactory, form: dict[str, str]) -> None:
    client = await channel_app()
    r = await client.post(PATH, data=form)
    assert r.status == 400 and (await r.json())["error"]
    assert (await client.post(PATH, json={"sessionId": "x"})).status == 400


async def test_end_of_session_notification(channel_app: AppFactory) -> None:
    import json

    client = await channel_app()
    event = json.loads(fixture_text("africastalking", "session_event.json"))
    r = await client.post(PATH + "/events", data=event)
    assert r.status == 200
    assert (await client.post(PATH + "/events", data={"status": "Success"})).status == 400
