"""Text normalisation shared by training and inference, and an offset-preserving fold for entities."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlu.lexicon import AMBIGUOUS_MONTHS, MONTHS

SHORT_NUMBER = "5"
LONG_NUMBER = "7777777"
MONTH = "qmq"

_LONG_NUMBER_RE = re.compile(r"\+?\d(?:[\s.\-]?\d){6,}")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*(?:\s?k\b)?")
_APOSTROPHES_RE = re.compile(r"['’`´‘]")
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")
_REPEATS_RE = re.compile(r"([a-z])\1{2,}")
_MONTH_WORDS = frozenset(MONTHS) - AMBIGUOUS_MONTHS


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    lowered = ch.lower()
    base = "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))
    if len(base) == 1:
        return base
    return lowered if len(lowered) == 1 else ch


def fold(text: str) -> str:
    """Lowercase and strip diacritics one character for one, so offsets still index the original."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def normalize(text: str) -> str:
    """The classifier's view of a message: folded, numbers as placeholders, punctuation gone.

    Placeholders make "5000" and "20.000" (or "Werurwe" and "mars") look alike, so the model learns
    the sentence, not the sum or the month.
    """
    folded = fold(text)
    folded = _LONG_NUMBER_RE.sub(f" {LONG_NUMBER} ", folded)
    folded = _NUMBER_RE.sub(
        lambda m: m.group(0) if m.group(0) == LONG_NUMBER else f" {SHORT_NUMBER} ",
        folded,
    )
    folded = _APOSTROPHES_RE.sub("", folded)
    folded = _NON_WORD_RE.sub(" ", folded)
    folded = _REPEATS_RE.sub(r"\1\1", folded)
    return " ".join(MONTH if word in _MONTH_WORDS else word for word in folded.split())
