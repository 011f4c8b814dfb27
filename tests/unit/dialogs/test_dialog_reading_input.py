"""Reading what members type: global keywords, yes/no, amounts, months, contribution periods, numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from dialogs.amounts import parse_amount, parse_count
from dialogs.engine import DialogState, Turn, numbered_choice, state_after
from dialogs.i18n import format_amount, format_day
from dialogs.keywords import Command, command_for, yes_or_no
from dialogs.periods import period_start
from dialogs.vocabulary import Choice, Reply


@pytest.mark.parametrize(("text", "command"), [
    ("MENU", Command.MENU), ("00", Command.MENU), ("Ahabanza", Command.MENU), ("accueil", Command.MENU),
    ("0", Command.BACK), ("subira inyuma", Command.BACK), ("Retour", Command.BACK),
    ("cancel", Command.CANCEL), ("Reka", Command.CANCEL), ("annuler", Command.CANCEL),
    ("help", Command.HELP), ("ubufasha", Command.HELP), ("Aide", Command.HELP), ("?", Command.HELP),
    ("agent", Command.AGENT), ("umukozi", Command.AGENT), ("conseiller", Command.AGENT),
    ("language", Command.LANGUAGE), ("ururimi", Command.LANGUAGE), ("langue", Command.LANGUAGE),
    ("STOP", Command.STOP), ("hagarika", Command.STOP), ("arrêt", Command.STOP),
    ("START", Command.START), ("tangira", Command.START), ("commencer", Command.START),
])
def test_global_keywords_in_every_language(text: str, command: Command) -> None:
    assert command_for(text) is command


@pytest.mark.parametrize("text", ["20000", "Jean Bosco", "business", "1", "I want to stop paying late"])
def test_ordinary_answers_are_not_commands(text: str) -> None:
    assert command_for(text) is None


@pytest.mark.parametrize(("text", "answer"), [("1", True), ("Yego", True), ("oui", True), ("yes!", True),
                                              ("2", False), ("oya", False), ("Non", False), ("maybe", None)])
def test_yes_or_no(text: str, answer: bool | None) -> None:
    assert yes_or_no(text) is answer


@pytest.mark.parametrize(("text", "amount"), [("20000", 20000), ("20,000", 20000), ("20 000 RWF", 20000),
                                              ("20k", 20000), ("Frw 5.000", 5000), ("abc", None), ("", None)])
def test_amounts(text: str, amount: int | None) -> None:
    assert parse_amount(text) == amount


@pytest.mark.parametrize(("text", "months"), [("6", 6), ("6 months", 6), ("amezi 12", 12), ("six", None),
                                              ("6 or 7", None)])
def test_months(text: str, months: int | None) -> None:
    assert parse_count(text) == months


def test_numbers_pick_the_choices_last_shown() -> None:
    state = DialogState(dialog="menu", state="main", choices=("balance", "payment_code"))
    assert numbered_choice(state, Turn(text="2")) == "payment_code"
    assert numbered_choice(state, Turn(text="2.")) == "payment_code"
    assert numbered_choice(state, Turn(text="3")) is None
    assert numbered_choice(state, Turn(text="0")) is None
    assert numbered_choice(state, Turn(choice_id="x")) == "x"


def test_state_after_reads_the_last_reply() -> None:
    asked = state_after("loan_apply", "ask_amount", {"a": 1}, [Reply("Amount?", expects_answer=True)])
    assert asked.awaiting and asked.active and asked.slots == {"a": 1}
    menu = state_after("menu", "main", {}, [Reply("Choose", choices=(Choice("balance", "Savings"),))])
    assert menu.choices == ("balance",) and not menu.awaiting
    ended = state_after("balance", None, {"x": 1}, [Reply("Done", final=True, choices=(Choice("menu", "M"),))])
    assert not ended.active and ended.choices == () and ended.slots == {}


def test_contribution_periods_in_kigali_time() -> None:
    wednesday = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert period_start("weekly", wednesday).date().isoformat() == "2026-11-23"
    assert period_start("monthly", wednesday).date().isoformat() == "2026-11-01"
    fortnight = period_start("biweekly", wednesday)
    assert fortnight.weekday() == 0 and (wednesday - fortnight).days < 14
    # 23:30 UTC on Sunday is already Monday in Kigali (UTC+2).
    assert period_start("weekly", datetime(2026, 11, 29, 23, 30, tzinfo=UTC)).date().isoformat() == "2026-11-30"


def test_amounts_and_dates_as_members_read_them() -> None:
    assert format_amount(45000, "en") == "45,000"
    assert format_amount(45000, "rw") == "45,000"
    assert format_amount(45000, "fr") == "45 000"
    assert format_day(datetime(2026, 3, 12).date(), "rw") == "12 Werurwe 2026"


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["en", "rw", "fr"]))
def test_amounts_read_as_babel_writes_them(amount: int, language: str) -> None:
    """The fast grouping for whole amounts is what babel gives for the reply's locale."""
    locale = "fr" if language == "fr" else "en"
    expected = format_decimal(amount, locale=locale).replace("\u202f", " ").replace("\u00a0", " ")
    assert format_amount(amount, language) == expected
