"""Menu and help: a recognised member gets their menu in their language, within one USSD screen."""

from __future__ import annotations

import pytest

from bot.router import Router
from dialogs.vocabulary import Channel
from tests.integration.dialogs.conftest import Sacco
from ussd.screens import SCREEN_LIMIT, render_screen

LANGS = ("rw", "en", "fr")
GREETING = {"rw": "Muraho", "en": "Hello", "fr": "Bonjour"}


@pytest.mark.parametrize("language", LANGS)
async def test_ussd_dial_shows_the_menu_on_one_screen(router: Router, sacco: Sacco, language: str) -> None:
    chat = sacco.chat(router, language, Channel.USSD)
    replies = await chat.start()
    assert chat.text.startswith(GREETING[language])
    assert len(chat.titles) == 7
    screen = render_screen(replies)
    assert not screen.paged and len(screen.pages[0].text) <= SCREEN_LIMIT
    assert "4. " in screen.pages[0].text


@pytest.mark.parametrize("language", LANGS)
async def test_whatsapp_greeting_opens_the_menu_with_choices(router: Router, sacco: Sacco, language: str) -> None:
    chat = sacco.chat(router, language)
    await chat.say({"rw": "Muraho neza", "en": "good morning", "fr": "bonjour"}[language])
    assert chat.text.startswith(GREETING[language])
    assert chat.ids[:5] == ["balance", "payment_code", "statement", "loan_apply", "loan_status"]


@pytest.mark.parametrize("channel", [Channel.USSD, Channel.WHATSAPP, Channel.SMS])
async def test_more_menu_and_help(router: Router, sacco: Sacco, channel: Channel) -> None:
    chat = sacco.chat(router, "en", channel)
    await chat.start()
    await chat.pick("More")
    assert chat.ids == ["one_time_code", "language", "help"]
    await chat.pick("Help")
    assert "MENU" in chat.text and "STOP" in chat.text
    assert chat.ids[0] == "balance"  # help is followed by the menu


async def test_help_in_kinyarwanda_by_keyword(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "rw")
    await chat.say("ubufasha")
    assert "Subiza ukoresheje umubare" in chat.text


async def test_unclear_text_gets_a_clarifying_question(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "en")
    await chat.say("zzkq bloop vrrm")
    assert "not sure" in chat.text
    assert chat.ids[-1] == "menu"


async def test_thanks_gets_a_warm_answer_and_a_menu_button(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "fr")
    await chat.say("merci beaucoup")
    assert chat.text.startswith("Avec plaisir")
    assert chat.last[-1].final and chat.ids == ["menu"]


async def test_sms_end_of_journey_says_how_to_go_on(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "rw", Channel.SMS)
    await chat.say("1")  # no journey in progress: a number picks from the main menu
    assert "Ubwizigame bwawe" in chat.text and "MENU" in chat.text
