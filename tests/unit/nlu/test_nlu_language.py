"""Language identification, and deferring to the hint when a message is too short to tell."""

from __future__ import annotations

import pytest

from nlu.local_backend import LocalNluBackend


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("nshaka kureba amafaranga yanjye", "rw"),
        ("ndashaka loan ya 50000", "rw"),
        ("nshaka kureba balance", "rw"),
        ("mwiriwe neza", "rw"),
        ("how much money do i have", "en"),
        ("please send me my statement", "en"),
        ("je voudrais retirer de l'argent", "fr"),
        ("combien j'ai sur mon compte", "fr"),
    ],
)
def test_detects_language(nlu_backend: LocalNluBackend, text: str, language: str) -> None:
    detected, confidence = nlu_backend.detect_language(text)
    assert detected == language
    assert confidence > 0.6


@pytest.mark.parametrize("text", ["ok", "1", "5000", "menu", "stop", "?"])
@pytest.mark.parametrize("hint", ["rw", "en", "fr"])
def test_short_ambiguous_text_defers_to_hint(nlu_backend: LocalNluBackend, text: str, hint: str) -> None:
    assert nlu_backend.detect_language(text, hint)[0] == hint
    assert nlu_backend.parse(text, hint).language == hint


def test_clear_text_overrides_hint(nlu_backend: LocalNluBackend) -> None:
    assert nlu_backend.detect_language("je voudrais voir mon solde", "rw")[0] == "fr"


def test_no_letters_and_no_hint_defaults_to_kinyarwanda(nlu_backend: LocalNluBackend) -> None:
    assert nlu_backend.detect_language("12345") == ("rw", 0.0)


def test_module_level_detect_language(monkeypatch: pytest.MonkeyPatch, nlu_backend: LocalNluBackend) -> None:
    import nlu.factory

    monkeypatch.setattr(nlu.factory, "_default", nlu_backend)
    language, confidence = nlu.factory.detect_language("murakoze cyane")
    assert language == "rw" and 0.0 <= confidence <= 1.0
