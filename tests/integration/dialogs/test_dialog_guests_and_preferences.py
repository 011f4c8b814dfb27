"""Unknown numbers and join requests; a phone in two SACCOs; language changes; STOP and START."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.router import Router
from core.audit.service import Actor
from core.conversations.models import Conversation
from core.db.database import Database
from core.errors import Conflict
from core.join_requests.models import JoinRequest
from core.join_requests.service import approve_join_request, list_join_requests, reject_join_request
from core.members.models import Member
from dialogs.vocabulary import Channel
from tests.integration.dialogs.conftest import Sacco
from tests.support.conversations import Chat
from tests.support.factories import make_group, make_member, make_organization, new_phone


async def join_requests_of(db: Database, phone: str) -> list[JoinRequest]:
    async with db.system() as s:
        return list((await s.execute(select(JoinRequest).where(JoinRequest.phone == phone))).scalars())


@pytest.mark.parametrize(("channel", "language"), [(Channel.USSD, "rw"), (Channel.WHATSAPP, "en"),
                                                   (Channel.SMS, "fr")])
async def test_unknown_number_leaves_a_join_request(router: Router, sacco: Sacco, db: Database,
                                                    channel: Channel, language: str) -> None:
    chat = Chat(router, new_phone(), channel)
    await (chat.start() if channel is Channel.USSD else chat.say({"en": "hello", "fr": "bonjour"}[language]))
    assert {"rw": "ntiranditse", "en": "not registered", "fr": "pas encore inscrit"}[language] in chat.text
    await chat.pick("join_request")
    await chat.say("Uwimana Marie")
    await chat.say(sacco.weekly.code.lower())
    assert "Twisungane" in chat.text and sacco.org.name in chat.text
    await chat.pick(r"^(yes|yego|oui)")
    assert {"rw": "bwoherejwe", "en": "was sent", "fr": "a été envoyée"}[language] in chat.text
    (request,) = await join_requests_of(db, chat.phone)
    assert (request.organization_id, request.group_id, request.full_name) == (sacco.org.id, sacco.weekly.id,
                                                                               "Uwimana Marie")
    async with db.tenant(sacco.org.id) as s:
        assert request.id in [r.id for r in await list_join_requests(s, sacco.org.id)]
        member = await approve_join_request(s, sacco.org.id, request.id, actor=Actor.system("tests"))
        assert (member.first_name, member.last_name, member.language) == ("Uwimana", "Marie", language)
        with pytest.raises(Conflict):
            await reject_join_request(s, sacco.org.id, request.id, actor=Actor.system("tests"))
    await chat.start() if channel is Channel.USSD else await chat.say("menu")
    assert "Uwimana" in chat.text  # now a member: recognised, greeted by name


async def test_unknown_group_code_is_kept_for_platform_staff(router: Router, db: Database) -> None:
    chat = Chat(router, new_phone(), Channel.SMS)
    await chat.say("hello")
    await chat.say("2")
    await chat.say("Habimana")
    await chat.say("NOSUCH")
    assert "could not find group NOSUCH" in chat.text
    await chat.say("1")
    (request,) = await join_requests_of(db, chat.phone)
    assert request.organization_id is None and request.group_code == "NOSUCH"


async def test_guest_asking_for_an_agent_learns_how_to_join(router: Router) -> None:
    chat = Chat(router, new_phone())
    await chat.say("I want to talk to an agent")
    assert "help members" in chat.text and "join_request" in chat.ids


async def test_a_phone_in_two_saccos_is_asked_once(router: Router, db: Database) -> None:
    phone = new_phone()
    first, second = await make_organization(db, name="SACCO Nyarugenge"), await make_organization(db, name="SACCO Huye")
    for org in (first, second):
        await make_member(db, org, await make_group(db, org), phone=phone, language="en")
    chat = Chat(router, phone, Channel.USSD)
    await chat.start()
    assert "2 SACCOs" in chat.text and chat.titles == ["SACCO Nyarugenge", "SACCO Huye"]
    await chat.pick("Huye")
    assert "SACCO Huye" in chat.text and "Choose" in chat.text
    await chat.start()
    assert chat.text.startswith("Hello") and "2 SACCOs" not in chat.text
    async with db.system() as s:
        conversation = (await s.execute(select(Conversation).where(Conversation.key == phone))).scalar_one()
    assert conversation.organization_id == second.id


@pytest.mark.parametrize(("say", "pick", "greeting"), [("ururimi", "Français", "Bonjour"),
                                                        ("change language", "Kinyarwanda", "Muraho"),
                                                        ("changer de langue", "English", "Hello")])
async def test_change_language(router: Router, sacco: Sacco, db: Database, say: str, pick: str,
                               greeting: str) -> None:
    chat = sacco.chat(router, "en")
    await chat.say(say)
    await chat.pick(pick)
    assert greeting in chat.text
    async with db.tenant(sacco.org.id) as s:
        member = await s.get(Member, sacco.members["en"].id)
        assert member is not None and member.language == {"Français": "fr", "Kinyarwanda": "rw", "English": "en"}[pick]


async def test_language_by_number_on_ussd(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "rw", Channel.USSD)
    await chat.start()
    await chat.say("7")
    await chat.say("2")
    await chat.say("2")
    assert "Language set to English" in chat.text


@pytest.mark.parametrize(("stop", "start", "language"), [("STOP", "START", "en"), ("Hagarika", "Tangira", "rw"),
                                                         ("arrêt", "commencer", "fr")])
async def test_stop_and_start(router: Router, sacco: Sacco, db: Database, stop: str, start: str,
                              language: str) -> None:
    chat = sacco.chat(router, language, Channel.SMS)
    await chat.say(stop)
    assert "START" in chat.text and len(chat.last) == 1
    async with db.tenant(sacco.org.id) as s:
        member = await s.get(Member, sacco.members[language].id)
        assert member is not None and member.opted_out_at is not None
    for text in ("1", "menu", "balance please"):
        assert await chat.say(text) == []  # opted out: no bot messages
    await chat.say(start)
    assert {"en": "Welcome back", "rw": "Murakaza neza", "fr": "Bon retour"}[language] in chat.text
    assert chat.ids[0] == "balance"
    async with db.tenant(sacco.org.id) as s:
        member = await s.get(Member, sacco.members[language].id)
        assert member is not None and member.opted_out_at is None


async def test_telegram_without_a_phone_is_asked_to_share_it(router: Router) -> None:
    chat = Chat(router, "tg-user-4242", Channel.TELEGRAM)
    await chat.start()
    assert any(r.request_contact for r in chat.last) and chat.ids[0] == "guest_info"
