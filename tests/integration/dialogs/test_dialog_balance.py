"""Check balance: savings per group, last payment, what is due this period, a loan request waiting."""

from __future__ import annotations

import pytest

from bot.router import Router
from core.db.database import Database
from core.members.service import add_to_group
from dialogs.vocabulary import Channel
from tests.integration.dialogs.conftest import Sacco
from tests.support.conversations import add_savings
from tests.support.factories import TEST_ACTOR

EXPECT = {
    "rw": ("Ubwizigame bwawe", "15,000 RWF", "usigaje kwishyura 2,000 RWF muri iki cyumweru"),
    "en": ("Your savings", "15,000 RWF", "2,000 RWF due this week"),
    "fr": ("Votre épargne", "15 000 RWF", "2 000 RWF à verser cette semaine"),
}
ASK = {"rw": "ndashaka kureba amafaranga yanjye", "en": "how much have I saved?", "fr": "quel est mon solde"}


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_balance_by_number_on_ussd(router: Router, sacco: Sacco, language: str) -> None:
    chat = sacco.chat(router, language, Channel.USSD)
    await chat.start()
    await chat.say("1")
    title, saved, due = EXPECT[language]
    assert title in chat.text and saved in chat.text and due in chat.text
    assert chat.last[-1].final


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_balance_by_free_text_on_whatsapp(router: Router, sacco: Sacco, language: str) -> None:
    chat = sacco.chat(router, language)
    await chat.say(ASK[language])
    title, saved, _ = EXPECT[language]
    assert title in chat.text and saved in chat.text


async def test_paid_this_week_is_paid_up_and_groups_add_up(router: Router, sacco: Sacco, db: Database) -> None:
    member = sacco.members["en"]
    await add_savings(db, sacco.org, member, sacco.weekly, 2_000)
    async with db.tenant(sacco.org.id) as s:
        await add_to_group(s, member=member, group=sacco.monthly, actor=TEST_ACTOR)
    await add_savings(db, sacco.org, member, sacco.monthly, 1_000)
    chat = sacco.chat(router, "en")
    await chat.tap("balance")
    assert "Twisungane: 17,000 RWF" in chat.text
    assert "Twisungane: paid up this week" in chat.text
    assert "Abishyizehamwe: 4,000 RWF due this month" in chat.text
    assert "Total: 18,000 RWF" in chat.text
    assert "Last payment: 1,000 RWF" in chat.text
