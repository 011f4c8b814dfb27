"""Apply for a loan (eligibility, amount, term, purpose, confirmation, reference) and loan status."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from bot.router import Router
from core.db.database import Database
from core.loans.models import LoanApplication, LoanInstalment
from core.loans.service import apply_for_loan
from dialogs.vocabulary import Channel
from tests.integration.dialogs.conftest import Sacco
from tests.support.factories import make_member

LOAN_LINE = r"loan|inguzanyo|prêt"
YES = r"^(yes|yego|oui)"
SUBMITTED = {"rw": "bwakiriwe", "en": "submitted", "fr": "reçue"}


async def applications(db: Database, sacco: Sacco, language: str) -> list[LoanApplication]:
    async with db.tenant(sacco.org.id) as s:
        rows = await s.execute(select(LoanApplication).where(LoanApplication.member_id == sacco.members[language].id))
        return list(rows.scalars())


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_ussd_loan_ends_with_a_reference(router: Router, sacco: Sacco, db: Database, language: str) -> None:
    chat = sacco.chat(router, language, Channel.USSD)
    await chat.start()
    await chat.pick(LOAN_LINE)
    assert "45" in chat.text and "15" in chat.text  # up to 45,000: 3 x savings of 15,000
    await chat.say("20000")
    await chat.say("6")
    await chat.say("business")
    assert "20" in chat.text and "6" in chat.text and chat.titles
    await chat.pick(YES)
    final = chat.last[-1]
    assert final.final and SUBMITTED[language] in final.text
    assert re.search(r"LN-\d{4}-\d{6}", final.text)
    (application,) = await applications(db, sacco, language)
    assert (application.amount, application.term_months, application.purpose) == (20000, 6, "business")
    assert application.reference in final.text and application.channel == "ussd"


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_whatsapp_loan_with_buttons_and_free_text(router: Router, sacco: Sacco, db: Database,
                                                        language: str) -> None:
    chat = sacco.chat(router, language)
    await chat.tap("loan_apply")
    await chat.say("30,000")
    await chat.say({"rw": "amezi 12", "en": "12 months", "fr": "12 mois"}[language])
    await chat.tap("purpose:school")
    await chat.say({"rw": "yego", "en": "yes", "fr": "oui"}[language])
    assert SUBMITTED[language] in chat.text
    (application,) = await applications(db, sacco, language)
    assert application.amount == 30000 and application.term_months == 12
    assert application.purpose == {"rw": "Amafaranga y'ishuri", "en": "School fees", "fr": "Frais scolaires"}[language]


async def test_one_sentence_fills_amount_and_term(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "en")
    await chat.say("I want a loan of 10000 for 3 months")
    assert "Purpose" in chat.text  # amount and term came from the sentence


async def test_out_of_range_answers_are_explained(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "en", Channel.SMS)
    await chat.tap("loan_apply")
    await chat.say("500")
    assert "between 1,000 RWF and 45,000 RWF" in chat.text
    await chat.say("abc")
    assert chat.last[-1].final
    assert "you can borrow up to 45,000 RWF, that is 3 times your savings of 15,000 RWF" in chat.text


async def test_term_is_checked(router: Router, sacco: Sacco) -> None:
    chat = sacco.chat(router, "fr")
    await chat.tap("loan_apply")
    await chat.say("5000")
    await chat.say("36")
    assert "entre 1 et 24" in chat.text


async def test_no_savings_means_a_clear_no(router: Router, sacco: Sacco, db: Database) -> None:
    member = await make_member(db, sacco.org, sacco.weekly, language="rw")
    from tests.support.conversations import Chat

    chat = Chat(router, member.phone, Channel.USSD)
    await chat.start()
    await chat.pick(LOAN_LINE)
    final = chat.last[-1]
    assert final.final and "Inguzanyo" in final.text and "ntushobora" in final.text
    assert not re.search(r"error|ikosa|erreur", final.text, re.I)


async def test_saying_no_cancels_and_a_second_request_waits_for_the_first(router: Router, sacco: Sacco,
                                                                          db: Database) -> None:
    chat = sacco.chat(router, "en")
    for answer in ("loan_apply", "5000", "2", "farming"):
        await (chat.tap(answer) if answer == "loan_apply" else chat.say(answer))
    await chat.tap("no")
    assert "cancelled" in chat.text and not await applications(db, sacco, "en")
    await chat.tap("loan_apply")
    await chat.say("5000")
    await chat.say("2")
    await chat.say("farming")
    await chat.say("yes")
    await chat.tap("loan_apply")
    assert "already have a loan request waiting" in chat.text


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_loan_status(router: Router, sacco: Sacco, language: str) -> None:
    chat = sacco.chat(router, language, Channel.USSD)
    await chat.start()
    await chat.say("5")
    assert {"rw": "Nta busabe", "en": "no loan requests", "fr": "aucune demande"}[language] in chat.text
    await chat.start()
    for step in ("4", "8000", "4", "Inzu nshya"):
        await chat.say(step)
    await chat.say("1")
    await chat.start()
    await chat.say("5")
    assert re.search(r"LN-\d{4}-\d{6}", chat.text)
    assert {"rw": "buracyasuzumwa", "en": "waiting for review", "fr": "en cours d'examen"}[language] in chat.text


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
async def test_a_member_who_still_owes_a_written_off_loan_is_told_so(router: Router, sacco: Sacco, db: Database,
                                                                      language: str) -> None:  # fmt: skip
    member = sacco.members[language]
    async with db.tenant(sacco.org.id) as s:
        lost = await apply_for_loan(s, organization_id=sacco.org.id, member_id=member.id, amount=5_000,
                                    term_months=2, purpose="farming")  # fmt: skip
        lost.status = "written_off"  # as core.loans.writeoff leaves it, with the schedule still owed
        s.add(LoanInstalment(organization_id=sacco.org.id, loan_id=lost.id, number=1, due_on=date(2026, 1, 5),
                             principal_due=5_000, interest_due=100, penalty_due=0, principal_paid=0, interest_paid=0,
                             penalty_paid=0, penalties_charged=0, overdue=True))  # fmt: skip
        reference = lost.reference
    chat = sacco.chat(router, language, Channel.USSD)
    await chat.start()
    await chat.pick(LOAN_LINE)
    final = chat.last[-1]
    assert final.final and reference in final.text and len(await applications(db, sacco, language)) == 1
