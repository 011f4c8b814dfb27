"""Conversations across channels and time: USSD to WhatsApp, idle expiry, retried messages, the handler."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.router import Router, make_handler
from bot.runtime import Runtime
from core.conversations.models import Conversation, ConversationMessage
from core.db.database import Database
from core.loans.models import LoanApplication
from core.settings import Settings
from dialogs.vocabulary import Channel, InboundKind, Link, Reply
from tests.support.conversations import Chat, add_savings, make_router
from tests.support.factories import make_group, make_member, make_organization


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def saver(db: Database, language: str = "en") -> tuple[int, str, int]:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group, language=language)
    await add_savings(db, org, member, group, 10_000)
    return org.id, member.phone, member.id


async def test_loan_begun_on_ussd_finishes_on_whatsapp(db: Database, settings: Settings) -> None:
    org_id, phone, member_id = await saver(db, "rw")
    router = make_router(db, settings, None)
    ussd = Chat(router, phone, Channel.USSD)
    await ussd.start()
    await ussd.say("4")
    await ussd.say("12000")
    await ussd.say("3")
    assert "Impamvu" in ussd.text  # the USSD session drops here
    whatsapp = Chat(router, phone, Channel.WHATSAPP)
    await whatsapp.tap("purpose:farming")
    assert "Emeza" in whatsapp.text and "12,000 RWF" in whatsapp.text
    await whatsapp.tap("yes")
    assert "bwakiriwe" in whatsapp.text
    async with db.tenant(org_id) as s:
        (application,) = (await s.execute(select(LoanApplication).where(LoanApplication.member_id == member_id))).scalars()
    assert (application.amount, application.term_months, application.channel) == (12000, 3, "whatsapp")


async def test_a_journey_expires_after_the_idle_time(db: Database, settings: Settings) -> None:
    org_id, phone, member_id = await saver(db)
    clock = Clock()
    router = make_router(db, settings, None, clock=clock)
    chat = Chat(router, phone, Channel.SMS)
    await chat.say("4")
    await chat.say("5000")
    clock.now += timedelta(minutes=settings.conversation_idle_minutes - 1)
    await chat.say("2")
    assert "Purpose" in chat.text  # still within the idle time
    clock.now += timedelta(minutes=settings.conversation_idle_minutes + 1)
    await chat.say("business")
    assert "ended after a long pause" in chat.text and chat.ids[0] == "balance"
    await chat.say("1")
    assert "Your savings" in chat.text  # a fresh start: 1 is the first menu line, not a loan answer


def shown(replies: list[Reply]) -> list[tuple[str, tuple[str, ...], Link | None, bool, str | None]]:
    return [(r.text, tuple(c.id for c in r.choices), r.link, r.request_contact, r.otp) for r in replies]


async def transcript_directions(db: Database, key: str) -> list[str]:
    async with db.system() as s:
        return list((await s.execute(
            select(ConversationMessage.direction).join(Conversation).where(Conversation.key == key)
            .order_by(ConversationMessage.id)
        )).scalars())  # fmt: skip


async def test_a_retried_message_gets_its_saved_answer_again_not_a_second_turn(
    db: Database, settings: Settings
) -> None:
    """The channel queues a message's answer once (outbox reply_to); the router gives it back, so an answer
    lost between the turn's save and its outbox rows is still sent by the retry."""
    _, phone, _ = await saver(db)
    router = make_router(db, settings, None)
    chat = Chat(router, phone)
    menu = chat.inbound("menu")
    first = await chat.send(menu)
    await chat.say("1")
    assert "Your savings" in chat.text
    assert shown(await chat.send(menu)) == shown(first) and first[0].choices
    assert await transcript_directions(db, phone) == ["in", "out", "in", "out"]  # no second turn
    await chat.say("1")
    assert "Your savings" in chat.text  # and the journey did not move back to the menu


async def test_a_replayed_answer_keeps_its_flags_but_never_a_one_time_code(
    db: Database, settings: Settings
) -> None:
    router = make_router(db, settings, None)
    guest = Chat(router, f"telegram:{secrets.randbelow(10**9)}", Channel.TELEGRAM)
    hello = guest.inbound("hi")
    asked = await guest.send(hello)
    assert any(r.request_contact for r in asked)  # share your phone: a keyboard, not only words
    assert shown(await guest.send(hello)) == shown(asked)
    _, phone, _ = await saver(db)
    member = Chat(router, phone)
    code_request = member.inbound(kind=InboundKind.CHOICE, choice_id="one_time_code")
    (code,) = await member.send(code_request)
    assert code.otp is not None
    assert await member.send(code_request) == []  # the code is not in the transcript to replay


async def test_make_handler_shares_one_router_per_runtime(db: Database, settings: Settings) -> None:
    runtime = Runtime(settings=settings, owner_url=settings.database_url or "", db=db)
    nlu = make_router(db, settings, None).nlu
    handler = make_handler(runtime, nlu=nlu)
    assert isinstance(handler, Router) and make_handler(runtime) is handler
    _, phone, _ = await saver(db, "fr")
    replies = await Chat(handler, phone, Channel.USSD).start()
    assert replies[0].text.startswith("Bonjour")
