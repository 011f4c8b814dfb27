"""Word tokens over the folded text, each with its offsets into the original message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.normalize import fold

_TOKEN_RE = re.compile(r"[a-z]+|\d+")


@dataclass(frozen=True, slots=True)
class Token:
    """A run of letters or of digits; ``start``/``end`` index the original text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entity some extractor proposes; ``priority`` (lower wins) settles overlaps."""

    entity: str
    value: str | int
    start: int
    end: int
    priority: int


def tokenize(text: str) -> list[Token]:
    """Tokens of ``fold(text)``; fold keeps one character per character, so offsets carry over."""
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(fold(text))]
