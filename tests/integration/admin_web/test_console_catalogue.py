"""The console's catalogue: every text the templates translate has Kinyarwanda and French, placeholders intact."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import admin_web
from admin_web.i18n import translator
from admin_web.nav import NAV

ROOT = Path(admin_web.__file__).parent
CALL = re.compile(r"""\bt\((?:"([^"]+)"|'([^']+)')""")


def _texts() -> set[str]:
    found: set[str] = set()
    for template in (ROOT / "templates").glob("*.html"):
        for double, single in CALL.findall(template.read_text(encoding="utf-8")):
            text = double or single
            if not text.endswith(":"):  # "age:" ~ code: the codes are checked below
                found.add(text)
    return found | {item.label for item in NAV}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_console_text_is_translated_with_the_same_placeholders() -> None:
    for language in ("rw", "fr"):
        table = json.loads((ROOT / "locales" / f"{language}.json").read_text(encoding="utf-8"))
        missing = sorted(
            t for t in _texts() if t not in table and t not in ("age", "group", "reason", "status")
        )
        assert not missing, (language, missing)
        for key, value in table.items():
            assert _fields(key) == _fields(value), (language, key)


def test_codes_read_as_words_and_fallback_is_english() -> None:
    assert translator("en")("no_reference") == "No reference"
    assert translator("rw")("Exceptions") != "Exceptions"
    assert (
        translator("fr")("Exception #{n} was {what}.", n=4, what="affectée")
        == "L'exception n°4 a été affectée."
    )
    assert translator("xx")("Loans") == "Loans"
