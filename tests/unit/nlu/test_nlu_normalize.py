"""Normalisation for the classifier and the offset-preserving fold for entities."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.normalize import fold, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nshaka kureba BALANCE!!!", "nshaka kureba balance"),
        ("5,000 frw pls", "5 frw pls"),
        ("frw 20.000", "frw 5"),
        ("ndashaka 5k", "ndashaka 5"),
        ("code 12345678", "code 7777777"),
        ("0788 123 456", "7777777"),
        ("yegoooo", "yegoo"),
        ("kuvugana n'umukozi", "kuvugana numukozi"),
        ("Relevé de Février", "releve de qmq"),
        ("statement ya Werurwe", "statement ya qmq"),
        ("may i", "may i"),
        ("/start", "start"),
        ("  ", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_amounts_look_alike_to_the_classifier() -> None:
    assert normalize("nshaka 5000") == normalize("nshaka 20.000") == normalize("nshaka 5k")


@given(st.text())
def test_fold_keeps_one_character_per_character(text: str) -> None:
    assert len(fold(text)) == len(text)


def test_fold_strips_diacritics_and_case() -> None:
    assert fold("Ça Août ÉTÉ") == "ca aout ete"
