"""Message catalogues (gettext .po read with Babel) and number/date formatting in rw, en and fr."""

from __future__ import annotations

import string
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES: tuple[str, ...] = ("rw", "en", "fr")  # Kinyarwanda first: the default for a new number
DEFAULT_LANGUAGE = "rw"
LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGE_NAMES = {"rw": "Kinyarwanda", "en": "English", "fr": "Français"}


@cache
def catalog(language: str) -> dict[str, str]:
    """msgid -> translated text for one language (read once per process)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=language)
    out: dict[str, str] = {}
    for message in po:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str) and message.string:
            out[message.id] = message.string
    return out


def placeholders(template: str) -> frozenset[str]:
    """The `{name}` fields of a catalogue string."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def normalise_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def format_amount(amount: int, language: str) -> str:
    """Whole RWF with grouping a member reads as on a MoMo receipt: 45,000 (en, rw), 45 000 (fr).

    Plain ASCII spaces: every handset and USSD gateway shows them.
    """
    if amount >= 0:  # what babel gives for these two locales, without its per-call cost on every reply
        grouped = f"{amount:,}"
        return grouped.replace(",", " ") if language == "fr" else grouped
    locale = "fr" if language == "fr" else "en"
    return format_decimal(amount, locale=locale).replace("\u202f", " ").replace("\u00a0", " ")


def format_money(amount: int, currency: str, language: str) -> str:
    return f"{format_amount(amount, language)} {currency}"


@lru_cache(maxsize=4096)  # Babel's pattern formatting cost a balance reply 20 µs a date
def format_day(day: date, language: str) -> str:
    """12 Werurwe 2026 / 12 Mar 2026 / 12 mars 2026."""
    pattern = "d MMMM y" if language == "rw" else "d MMM y"
    return format_date(day, pattern, locale=normalise_language(language))


class Translator:
    """Looks messages up in the member's language; a missing translation falls back to English, then rw."""

    __slots__ = ("language", "_own", "_fallbacks")

    def __init__(self, language: str) -> None:
        self.language = normalise_language(language)
        self._own = catalog(self.language)
        self._fallbacks = tuple(catalog(lang) for lang in ("en", "rw") if lang != self.language)

    def __call__(self, msgid: str, **fields: Any) -> str:
        template = self._own.get(msgid)
        if template is None:
            template = next((c[msgid] for c in self._fallbacks if msgid in c), msgid)
        return template.format(**fields) if fields else template
