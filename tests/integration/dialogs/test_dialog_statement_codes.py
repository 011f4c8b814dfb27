"""Recent transactions, payment codes (MoMo dial string and tel: link), and one-time codes in the chat."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.router import Router
from core.conversations.models import ConversationMessage
from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.identity.otp import verify_code
from core.settings import Settings
from dialogs.vocabulary import Channel
from tests.integration.dialogs.conftest import Sacco
from tests.support.conversations import add_savings


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_statement_lists_the_last_five(router: Router, sacco: Sacco, db: Database, language: str) -> None:
    member = sacco.members[language]
    for i in range(6):
        await add_savings(db, sacco.org, member, sacco.weekly, 1000 + i, days_ago=6 - i)
    chat = sacco.chat(router, language, Channel.USSD)
    await chat.start()
    await chat.say("3")
    lines = chat.text.splitlines()
    assert len(lines) == 7  # title, five movements, savings now
    assert "+1" in lines[1] and ("1,005" in lines[1] or "1 005" in lines[1])
    assert ("21,015" in lines[-1]) or ("21 015" in lines[-1])
    assert chat.last[-1].final


async def test_statement_without_movements(router: Router, sacco: Sacco, db: Database) -> None:
    from tests.support.conversations import Chat
    from tests.support.factories import make_member

    member = await make_member(db, sacco.org, sacco.weekly, language="fr")
    chat = Chat(router, member.phone)
    await chat.say("mes dernières opérations")
    assert "Aucune opération" in chat.text


@pytest.mark.parametrize(("language", "channel"), [("rw", Channel.USSD), ("en", Channel.WHATSAPP),
                                                   ("fr", Channel.SMS)])
async def test_payment_code_with_dial_string(router: Router, sacco: Sacco, language: str, channel: Channel) -> None:
    chat = sacco.chat(router, language, channel)
    if channel is Channel.USSD:
        await chat.start()
        await chat.say("2")
    else:
        await chat.tap("payment_code")
    reply = chat.last[0]
    assert "*182*8*1*502300*2000#" in reply.text
    assert ("2,000 RWF" in reply.text) or ("2 000 RWF" in reply.text)
    code = reply.text.split("\n")[0].rsplit(" ", 1)[-1]
    assert code.isdigit() and len(code) >= 7 and code in reply.text.split("*2000#")[1]
    if channel is Channel.USSD:
        assert reply.link is None
    else:
        assert reply.link is not None and reply.link.url == "tel:*182*8*1*502300*2000%23"


async def test_one_time_code_in_the_chat(router: Router, sacco: Sacco, db: Database, settings: Settings) -> None:
    chat = sacco.chat(router, "en")
    await chat.say("send me a login code")
    reply = chat.last[0]
    assert reply.otp is not None and len(reply.otp) == 6 and reply.otp in reply.text
    assert await verify_code(db, IdentityKeys.from_settings(settings), organization_id=sacco.org.id,
                             phone=sacco.members["en"].phone, purpose="login", code=reply.otp)
    async with db.system() as s:
        said = (await s.execute(select(ConversationMessage.text).where(ConversationMessage.direction == "out")
                                .order_by(ConversationMessage.id.desc()).limit(20))).scalars().all()
    assert all(reply.otp not in t for t in said) and any("******" in t for t in said)
    await chat.tap("one_time_code")
    assert chat.last[0].otp is None and "a moment ago" in chat.text  # one code per minute
