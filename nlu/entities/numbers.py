"""Numbers written as words: Kinyarwanda ("ibihumbi makumyabiri na bitanu"), English and French."""

from __future__ import annotations

from dataclasses import dataclass

from nlu.entities.tokens import Token
from nlu.lexicon import (
    EN_NUMBERS,
    FR_NUMBERS,
    HUNDRED_WORDS,
    MILLION_WORDS,
    RW_AND,
    RW_HUNDRED,
    RW_HUNDREDS,
    RW_MILLIONS,
    RW_TEN,
    RW_TENS,
    RW_THOUSAND,
    RW_THOUSANDS,
    RW_TWENTY,
    RW_UNITS,
    THOUSAND_WORDS,
)


@dataclass(frozen=True, slots=True)
class NumberSpan:
    """A parsed number and the token indices it covers: ``tokens[first:last + 1]``."""

    value: int
    first: int
    last: int


def _digits(tokens: list[Token], i: int) -> int | None:
    if i < len(tokens) and tokens[i].text.isdecimal() and len(tokens[i].text) <= 3:
        return int(tokens[i].text)
    return None


def _rw_unit(tokens: list[Token], i: int) -> int | None:
    return RW_UNITS.get(tokens[i].text) if i < len(tokens) else None


def _rw_group(tokens: list[Token], i: int) -> tuple[int, int, int] | None:
    """One group below a thousand: (value, magnitude level, next index)."""
    if i >= len(tokens):
        return None
    word = tokens[i].text
    if word in RW_HUNDREDS:
        count = _rw_unit(tokens, i + 1) or _digits(tokens, i + 1)
        return (count * 100, 3, i + 2) if count else None
    if word in RW_HUNDRED:
        return 100, 3, i + 1
    if word in RW_TENS:
        count = _rw_unit(tokens, i + 1) or _digits(tokens, i + 1)
        return (count * 10, 2, i + 2) if count else None
    if word in RW_TWENTY:
        return 20, 2, i + 1
    if word in RW_TEN:
        return 10, 2, i + 1
    unit = RW_UNITS.get(word)
    return (unit, 1, i + 1) if unit else None


def _rw_below_thousand(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Groups in falling magnitude joined by "na": "magana abiri na mirongo itanu" = 250."""
    first = _rw_group(tokens, i)
    if first is None:
        digits = _digits(tokens, i)
        return (digits, i + 1) if digits is not None else None
    value, level, j = first
    while j + 1 < len(tokens) and tokens[j].text in RW_AND:
        following = _rw_group(tokens, j + 1)
        if following is None or following[1] >= level:
            break
        value, level, j = value + following[0], following[1], following[2]
    return value, j


def _rw_major(tokens: list[Token], j: int, last_level: int) -> tuple[int, int, int] | None:
    """A millions, thousands or below-thousand group that is smaller than the one before it."""
    if j >= len(tokens):
        return None
    word = tokens[j].text
    if word in RW_MILLIONS and last_level > 6:
        count = _rw_below_thousand(tokens, j + 1)
        return (count[0] * 1_000_000, 6, count[1]) if count else (1_000_000, 6, j + 1)
    if word in RW_THOUSANDS and last_level > 3:
        count = _rw_below_thousand(tokens, j + 1)
        return (count[0] * 1000, 3, count[1]) if count else None
    if word in RW_THOUSAND and last_level > 3:
        return 1000, 3, j + 1
    if last_level > 0 and word.isalpha():
        small = _rw_below_thousand(tokens, j)
        return (small[0], 0, small[1]) if small else None
    return None


def parse_rw_number(tokens: list[Token], i: int) -> NumberSpan | None:
    """Kinyarwanda puts the multiplier first: "ibihumbi bitanu na magana atanu" = 5500."""
    total = 0
    end = -1
    j = i
    last_level = 10
    while (group := _rw_major(tokens, j, last_level)) is not None:
        value, last_level, end = group
        total += value
        if last_level == 0 or end + 1 >= len(tokens) or tokens[end].text not in RW_AND:
            break
        j = end + 1
    if end < 0 or total == 0:
        return None
    return NumberSpan(value=total, first=i, last=end - 1)


def parse_word_number(tokens: list[Token], i: int) -> NumberSpan | None:
    """English or French cardinal words: "twenty five thousand", "deux cent mille", "quatre-vingt-dix"."""
    total = 0
    current = 0
    last_number = -1
    previous = ""
    j = i
    while j < len(tokens):
        word = tokens[j].text
        if word in ("and", "et") and j > i:
            j += 1
            continue
        if word in EN_NUMBERS or word in FR_NUMBERS:
            value = EN_NUMBERS.get(word, FR_NUMBERS.get(word, 0))
            if word == "a" and not (
                j + 1 < len(tokens) and tokens[j + 1].text in HUNDRED_WORDS | THOUSAND_WORDS
            ):
                break
            if value == 20 and previous == "quatre":
                current += 80 - 4
            else:
                current += value
        elif word in HUNDRED_WORDS and (j > i or word == "cent"):
            current = max(current, 1) * 100
        elif word in THOUSAND_WORDS and (j > i or word == "mille"):
            total += max(current, 1) * 1000
            current = 0
        elif word in MILLION_WORDS and j > i:
            total += max(current, 1) * 1_000_000
            current = 0
        else:
            break
        last_number = j
        previous = word
        j += 1
    if last_number < i:
        return None
    return NumberSpan(value=total + current, first=i, last=last_number)
