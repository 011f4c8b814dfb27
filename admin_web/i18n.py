"""The console's message catalogue (English text as keys; rw and fr in locales/*.json) and money/date formats."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web

from core.money import Money

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = (("rw", "Kinyarwanda"), ("en", "English"), ("fr", "Français"))
CODES = frozenset(code for code, _ in LANGUAGES)
DEFAULT = "en"
COOKIE = "ibimina_console_lang"


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    path = LOCALES_DIR / f"{language}.json"
    if language not in CODES or not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def translator(language: str) -> Callable[..., str]:
    """t("Text {n}", n=3): the text in `language`, falling back to English; placeholders via str.format."""
    table = catalogue(language)

    def t(text: str, **values: object) -> str:
        out = table.get(text) or text
        return out.format(**values) if values else out

    return t


def request_language(request: web.Request) -> str:
    """?lang= wins (and is remembered by render), then the cookie, then English."""
    asked = request.query.get("lang", "")
    if asked in CODES:
        return asked
    kept = request.cookies.get(COOKIE, "")
    return kept if kept in CODES else DEFAULT


def money(value: Money | int | None, currency: str = "RWF") -> str:
    """12 500 RWF: grouped digits, the currency after (RWF has no minor unit)."""
    if value is None:
        return "—"
    if isinstance(value, Money):
        amount, currency = value.amount, value.currency
    else:
        amount = value
    return f"{amount:,} {currency}".replace(",", "\u202f")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"
