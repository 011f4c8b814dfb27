"""Talk to a person: the hand-off opens, member messages go to the agent's inbox, an agent closes it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.router import Router
from core.audit.service import Actor
from core.conversations.handoffs import (
    close_handoff,
    handoff_transcript,
    list_open_handoffs,
    record_agent_reply,
)
from core.conversations.models import ConversationMessage
from core.db.database import Database
from core.errors import Conflict, NotFound
from dialogs.vocabulary import Channel
from tests.integration.dialogs.conftest import Sacco
from tests.support.factories import make_organization


async def test_handoff_routes_member_messages_to_the_inbox(router: Router, sacco: Sacco, db: Database) -> None:
    chat = sacco.chat(router, "en")
    await chat.say("I want to talk to a person")
    assert "what do you need help with" in chat.text
    await chat.say("My contribution is missing")
    assert "will reply here" in chat.text and chat.ids == []  # no menu button while handed off
    await chat.say("I paid on Monday")
    assert "passed to our staff" in chat.text  # acknowledged once
    await chat.say("ref 12345678")
    await chat.say("menu")
    assert chat.last == []  # the agent answers now, not the bot

    async with db.tenant(sacco.org.id) as s:
        (waiting,) = [h for h in await list_open_handoffs(s, sacco.org.id) if h.phone == chat.phone]
        assert waiting.reason == "My contribution is missing" and waiting.member_messages == 3
        lines = await handoff_transcript(s, sacco.org.id, waiting.handoff_id)
        texts = [line.text for line in lines if line.direction == "in"]
        assert texts[-3:] == ["I paid on Monday", "ref 12345678", "menu"]
        reply = await record_agent_reply(s, sacco.org.id, waiting.handoff_id, staff_user_id=None,
                                         text="Found it, thank you")
        assert reply.channel == "whatsapp" and reply.phone == chat.phone
        await close_handoff(s, sacco.org.id, waiting.handoff_id, actor=Actor.system("tests"))

    await chat.say("hello")
    assert chat.text.startswith("Hello")  # handed back to the bot
    async with db.tenant(sacco.org.id) as s:
        assert not [h for h in await list_open_handoffs(s, sacco.org.id) if h.phone == chat.phone]
        with pytest.raises(Conflict):
            await record_agent_reply(s, sacco.org.id, waiting.handoff_id, staff_user_id=None, text="late")


async def test_another_sacco_cannot_see_or_close_the_handoff(router: Router, sacco: Sacco, db: Database) -> None:
    chat = sacco.chat(router, "rw")
    await chat.say("umukozi")
    await chat.say("Nashaka kubaza ku nguzanyo")
    other = await make_organization(db)
    async with db.tenant(other.id) as s:
        assert await list_open_handoffs(s, other.id) == []
    async with db.tenant(sacco.org.id) as s:
        (waiting,) = [h for h in await list_open_handoffs(s, sacco.org.id) if h.phone == chat.phone]
    async with db.tenant(other.id) as s:
        with pytest.raises(NotFound):
            await close_handoff(s, other.id, waiting.handoff_id, actor=Actor.system("tests"))


async def test_ussd_handoff_promises_an_sms_and_ussd_keeps_working(router: Router, sacco: Sacco,
                                                                   db: Database) -> None:
    chat = sacco.chat(router, "fr", Channel.USSD)
    await chat.start()
    await chat.say("6")
    await chat.say("Probleme de code")
    assert "par SMS" in chat.text and chat.last[-1].final
    async with db.tenant(sacco.org.id) as s:
        (waiting,) = [h for h in await list_open_handoffs(s, sacco.org.id) if h.phone == chat.phone]
        assert waiting.channel == "sms"
    await chat.start()
    await chat.say("1")
    assert "Votre épargne" in chat.text


async def test_transcript_records_both_sides(router: Router, sacco: Sacco, db: Database) -> None:
    chat = sacco.chat(router, "en", Channel.SMS)
    await chat.say("1")
    async with db.system() as s:
        rows = (await s.execute(select(ConversationMessage).order_by(ConversationMessage.id.desc()).limit(2))).scalars().all()
    assert [r.direction for r in reversed(rows)] == ["in", "out"]
    assert rows[0].organization_id == sacco.org.id and "Your savings" in rows[0].text
