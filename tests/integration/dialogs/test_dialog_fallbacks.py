"""The global fallbacks (menu, back, cancel, help, agent, language) work from every state of every journey."""

from __future__ import annotations

import pytest

from bot.router import Router
from dialogs.vocabulary import Channel
from tests.integration.dialogs.conftest import Sacco
from tests.support.conversations import Chat
from tests.support.factories import new_phone

# state -> how to reach it (taps "@id", else text), and what "back" leads to (a text the reply contains).
MEMBER_STATES: dict[str, tuple[tuple[str, ...], str]] = {
    "menu.main": (("menu",), "Choose"),
    "more.more": (("@more",), "Choose"),
    "loan.ask_amount": (("@loan_apply",), "Choose"),
    "loan.ask_term": (("@loan_apply", "5000"), "Enter the amount"),
    "loan.ask_purpose": (("@loan_apply", "5000", "3"), "how many months"),
    "loan.confirm": (("@loan_apply", "5000", "3", "business"), "Purpose of the loan"),
    "handoff.ask_reason": (("@handoff",), "Choose"),
    "language.pick": (("@language",), "Choose"),
    "clarify.pick": (("qqzx vlorp",), "Choose"),
}
GUEST_STATES: dict[str, tuple[tuple[str, ...], str]] = {
    "guest.main": (("hello",), "Welcome"),
    "guest_info.info": (("@guest_info",), "Welcome"),
    "join.ask_name": (("@join_request",), "Welcome"),
    "join.ask_group_code": (("@join_request", "Marie Uwase"), "full name"),
    "join.confirm": (("@join_request", "Marie Uwase", "ZZTOP"), "code of the group"),
}
FALLBACKS = ("menu", "back", "cancel", "help", "agent", "language")


async def reach(chat: Chat, path: tuple[str, ...]) -> str:
    for step in path:
        await (chat.tap(step[1:]) if step.startswith("@") else chat.say(step))
    return chat.last[-1].text.split("\n")[-1]


async def check(chat: Chat, fallback: str, question: str, back_to: str, guest: bool) -> None:
    await chat.say(fallback)
    text = chat.text
    menu_ids = ["guest_info", "join_request", "language"] if guest else ["balance", "payment_code"]
    if fallback == "menu":
        assert chat.ids[: len(menu_ids)] == menu_ids
    elif fallback == "back":
        assert back_to in text
    elif fallback == "cancel":
        assert "cancelled" in text and chat.ids[: len(menu_ids)] == menu_ids
    elif fallback == "help":
        assert "STOP" in chat.last[0].text and len(chat.last) >= 2
    elif fallback == "agent":
        assert ("help members" in text) if guest else ("what do you need help with" in text)
    elif fallback == "language":
        assert "Choose your language" in text and chat.ids == ["lang:rw", "lang:en", "lang:fr"]


@pytest.mark.parametrize("fallback", FALLBACKS)
@pytest.mark.parametrize("state", list(MEMBER_STATES))
async def test_member_fallbacks_from_every_state(router: Router, sacco: Sacco, state: str, fallback: str) -> None:
    chat = sacco.chat(router, "en")
    path, back_to = MEMBER_STATES[state]
    question = await reach(chat, path)
    await check(chat, fallback, question, back_to, guest=False)


@pytest.mark.parametrize("fallback", FALLBACKS)
@pytest.mark.parametrize("state", list(GUEST_STATES))
async def test_guest_fallbacks_from_every_state(router: Router, state: str, fallback: str) -> None:
    chat = Chat(router, new_phone())
    await chat.say("hello")
    await chat.tap("language")  # guests start in Kinyarwanda; read the replies in English
    await chat.tap("lang:en")
    path, back_to = GUEST_STATES[state]
    question = await reach(chat, path)
    await check(chat, fallback, question, back_to, guest=True)


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_keypad_back_and_home_on_ussd(router: Router, sacco: Sacco, language: str) -> None:
    chat = sacco.chat(router, language, Channel.USSD)
    await chat.start()
    await chat.say("4")
    amount_question = chat.text
    await chat.say("5000")
    await chat.say("0")
    assert chat.text == amount_question  # back to the amount
    await chat.say("00")
    assert chat.ids[0] == "balance"


async def test_help_inside_a_form_asks_the_question_again(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "fr")
    await chat.tap("loan_apply")
    await chat.say("5000")
    await chat.say("aide")
    assert "STOP" in chat.last[0].text and "combien de mois" in chat.last[-1].text
    await chat.say("4")
    assert "Objet du prêt" in chat.text  # the form goes on where it was
