"""End to end through the real conversation router (bot/router.make_handler): a member asks for their
balance on WhatsApp and on USSD, and the answer carries the savings the ledger holds."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db.database import Database
from core.messaging.models import OutboxMessage
from tests.integration.channels.conftest import AppFactory, runtime_of, settle
from tests.integration.channels.test_whatsapp_webhook import signed
from tests.support.conversations import add_savings
from tests.support.factories import make_group, make_member, make_organization
from tests.support.provider_payloads import fresh_whatsapp, unique_session

USSD = "/channels/ussd/africastalking"


async def saver(db: Database) -> str:
    org = await make_organization(db, name="Umurenge SACCO Gikondo")
    group = await make_group(db, org, name="Twisungane")
    member = await make_member(db, org, group, language="en")
    await add_savings(db, org, member, group, 15_000, days_ago=3)
    return member.phone


async def test_whatsapp_balance_through_the_router(channel_app: AppFactory, db: Database) -> None:
    phone = await saver(db)
    client = await channel_app(handler="router")
    body, _ = fresh_whatsapp("text_message.json", phone=phone)
    assert (await client.post("/channels/whatsapp", data=body, headers=signed(body))).status == 200
    await settle(client)
    async with runtime_of(client).db.system() as s:
        rows = (
            (await s.execute(select(OutboxMessage).where(OutboxMessage.recipient == phone))).scalars().all()
        )
    said = "\n".join(r.text for r in rows)
    assert rows and all(r.channel == "whatsapp" and r.status == "sent" for r in rows)
    assert re.search(r"15[,.\u202f\u00a0 ]?000", said), said
    assert rows[0].organization_id is not None and rows[0].member_id is not None


async def test_ussd_balance_through_the_router(channel_app: AppFactory, db: Database) -> None:
    phone = await saver(db)
    client = await channel_app(handler="router")
    session, inputs = unique_session(), []

    async def hop() -> str:
        form = {"sessionId": session, "serviceCode": "*384*1#", "phoneNumber": phone, "networkCode": "63510",
                "text": "*".join(inputs)}  # fmt: skip
        r = await client.post(USSD, data=form)
        assert r.status == 200
        return await r.text()

    screen = await hop()
    assert screen.startswith("CON ") and len(screen) - 4 <= 182
    for _ in range(4):  # find "My savings" (paging if needed), as a member would
        match = re.search(r"^(\d+)\. My savings", screen, re.M)
        if match:
            inputs.append(match.group(1))
            break
        assert "98 More" in screen, screen
        inputs.append("98")
        screen = await hop()
    screen = await hop()
    assert re.search(r"15[,.\u202f\u00a0 ]?000", screen), screen
    assert len(screen) - 4 <= 182
