"""Phone numbers (Rwandan mobiles, normalised to E.164) and payment/group codes (7-9 digits)."""

from __future__ import annotations

import re

from nlu.entities.tokens import Candidate

_PHONE_RE = re.compile(r"(?<![\d+])(?:\+\s?250[\s.\-]?|250[\s.\-]?|0)(7[2389](?:[\s.\-]?\d){7})(?!\d)")
_CODE_RE = re.compile(r"(?<![\d+.,])\d{7,9}(?![\d.,])")
_CURRENCY_NEAR_RE = re.compile(r"^\s?(?:frw|rwf|rf|fr|francs?|amafaranga|/=)\b|(?:frw|rwf|rf|amafaranga)\s?$")

PHONE_PRIORITY = 0
CODE_PRIORITY = 1


def find_phones(folded: str) -> list[Candidate]:
    """``0788 123 456``, ``+250788123456``, ``250 788 123 456`` -> ``+250788123456``."""
    found = []
    for match in _PHONE_RE.finditer(folded):
        digits = re.sub(r"\D", "", match.group(1))
        found.append(Candidate("phone", f"+250{digits}", match.start(), match.end(), PHONE_PRIORITY))
    return found


def find_codes(folded: str) -> list[Candidate]:
    """A bare 7-9 digit number is a code, unless a currency next to it makes it an amount."""
    found = []
    for match in _CODE_RE.finditer(folded):
        after = folded[match.end() : match.end() + 12]
        before = folded[max(0, match.start() - 12) : match.start()]
        if _CURRENCY_NEAR_RE.search(after) or _CURRENCY_NEAR_RE.search(before):
            continue
        found.append(Candidate("code", match.group(0), match.start(), match.end(), CODE_PRIORITY))
    return found
