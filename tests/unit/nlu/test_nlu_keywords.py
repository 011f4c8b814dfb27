"""One-word commands are answered from a table, typos within reach."""

from __future__ import annotations

import pytest

from nlu.keywords import match_command


@pytest.mark.parametrize(
    ("text", "intent", "language"),
    [
        ("STOP", "stop", None),
        ("stop.", "stop", None),
        ("Start", "start", None),
        ("/start", "start", None),
        ("0", "back", None),
        ("00", "menu", None),
        ("menu", "menu", None),
        ("bal", "check_balance", None),
        ("BLNC", "check_balance", None),
        ("solde", "check_balance", "fr"),
        ("yego", "affirm", "rw"),
        ("Oui!", "affirm", "fr"),
        ("oya", "deny", "rw"),
        ("reka", "cancel", "rw"),
    ],
)
def test_exact_commands(text: str, intent: str, language: str | None) -> None:
    match = match_command(text)
    assert match is not None
    assert (match.intent, match.language, match.confidence) == (intent, language, 1.0)


@pytest.mark.parametrize(
    ("text", "intent"), [("balnce", "check_balance"), ("cancle", "cancel"), ("annulr", "cancel")]
)
def test_typos_of_long_commands(text: str, intent: str) -> None:
    match = match_command(text)
    assert match is not None and match.intent == intent and 0.8 <= match.confidence < 1.0


@pytest.mark.parametrize("text", ["stp", "nshaka balance", "hello", "", "1", "zzzzz"])
def test_not_a_command(text: str) -> None:
    assert match_command(text) is None
