"""Every message id is in rw, en and fr with the same placeholders; every id the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialogs.i18n import LANGUAGES, Translator, catalog, placeholders

DIALOGS_DIR = Path(__file__).resolve().parents[3] / "dialogs"
BOT_ROUTER = Path(__file__).resolve().parents[3] / "bot" / "router.py"
MSGID = re.compile(r"""["']((?:common|menu|help|clarify|sacco|guest|join|language|optout|handoff|loan|balance|"""
                   r"""paycode|otp|smalltalk|statement)\.[a-z_]+)["']""")


def used_msgids() -> set[str]:
    found: set[str] = set()
    for path in [*DIALOGS_DIR.glob("*.py"), BOT_ROUTER]:
        found.update(MSGID.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_three_catalogues_hold_the_same_ids() -> None:
    ids = {lang: set(catalog(lang)) for lang in LANGUAGES}
    assert ids["rw"] == ids["en"] == ids["fr"], {lang: ids["en"] ^ ids[lang] for lang in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_english(language: str) -> None:
    english, other = catalog("en"), catalog(language)
    mismatched = {k: (placeholders(english[k]), placeholders(v)) for k, v in other.items()
                  if placeholders(v) != placeholders(english[k])}
    assert not mismatched


def test_every_id_the_code_uses_is_translated() -> None:
    used = used_msgids()
    assert len(used) > 80
    for language in LANGUAGES:
        missing = used - set(catalog(language))
        assert not missing, f"{language} lacks {sorted(missing)}"


def test_no_translation_is_a_copy_of_the_id_or_empty() -> None:
    for language in LANGUAGES:
        for key, text in catalog(language).items():
            assert text.strip() and text != key, (language, key)


def test_kinyarwanda_is_not_english() -> None:
    """rw is written, not copied: apart from formats like "{group}: {amount}", every line differs."""
    same = [k for k, v in catalog("rw").items() if v == catalog("en")[k] and re.search(r"[a-z]{3}", re.sub(r"\{\w+\}", "", v))]
    assert not same


def test_translator_formats_and_falls_back() -> None:
    t = Translator("rw")
    assert t("menu.title", name="Aline") == "Muraho Aline! Hitamo:"
    assert t("no.such.id") == "no.such.id"
    assert Translator("sw").language == "rw"


@pytest.mark.parametrize("language", LANGUAGES)
def test_loan_screens_avoid_words_that_read_as_another_question(language: str) -> None:
    """On USSD the amount/term/purpose prompts must not read as a confirmation, nor the term as an amount."""
    t = Translator(language)
    prompts = [t("loan.ask_amount", maximum="1", multiplier=3, savings="1"), t("loan.ask_term"), t("loan.ask_purpose")]
    for text in prompts:
        assert not re.search(r"confirm|emeza|yego|yes|oui", text.lower())
    assert not re.search(r"amount|angahe|montant|amafaranga", t("loan.ask_term").lower())
    assert re.search(r"^(yes|yego|oui|confirm|emeza)", t("common.yes_confirm").lower())
