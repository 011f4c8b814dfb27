"""Money amounts ("5k", "20.000 frw", "ibihumbi bitanu", "cinq mille") and loan terms in months."""

from __future__ import annotations

import re

from nlu.entities.numbers import NumberSpan, _rw_below_thousand, parse_rw_number, parse_word_number
from nlu.entities.tokens import Candidate, Token

TERM_PRIORITY = 2
AMOUNT_PRIORITY = 4
MIN_BARE_AMOUNT = 100  # "50" alone is a choice or a count; "500" is money

_DIGIT_AMOUNT_RE = re.compile(
    r"(?<![\w.,+])"
    r"(?:(?P<pre>frw|rwf|rf)\.?\s?)?"
    r"(?P<num>\d{1,3}(?P<sep>[,. ])\d{3}(?:(?P=sep)\d{3})*|\d+(?:[.,]\d+)?)"
    r"(?:\s?(?P<mult>k|thousand|mille|million|millions|miliyoni|mio)(?![a-z]))?"
    r"(?:\s?(?P<cur>frw|rwf|rf|fr|/=)(?![a-z]))?"
    r"(?![\w])"
)
_MULTIPLIERS = {"k": 1000, "thousand": 1000, "mille": 1000, "million": 10**6, "millions": 10**6,
                "miliyoni": 10**6, "mio": 10**6}  # fmt: skip
_CURRENCY_WORDS = frozenset({"amafaranga", "francs", "franc", "frw", "rwf", "faranga"})

_MONTH_UNITS = frozenset({"month", "months", "mnth", "mnths", "mth", "mths", "mo", "mos", "mois"})
_YEAR_UNITS = frozenset({"year", "years", "yr", "yrs", "an", "ans", "annee", "annees"})
_ONE = frozenset({"a", "an", "one", "un", "une"})
_RW_MONTHS = frozenset({"amezi", "mezi"})
_RW_YEARS = frozenset({"imyaka", "myaka"})
_RW_YEAR = frozenset({"umwaka", "mwaka"})
_RW_MONTH = frozenset({"ukwezi", "kwezi"})
_NOT_A_TERM_AFTER = frozenset({"ushize", "utaha", "ushyize", "w", "wa", "kwa", "gushize", "gutaha"})
_NOT_A_TERM_BEFORE = frozenset({"uyu", "uwo", "buri", "uku", "uko"})


def _digit_value(match: re.Match[str]) -> int:
    raw, separator = match.group("num"), match.group("sep")
    # "20.000" and "5 000" group thousands; "1.5" and "2,5" are decimals (before a k or million)
    value = float(raw.replace(separator, "") if separator else raw.replace(",", "."))
    multiplier = _MULTIPLIERS.get(match.group("mult") or "", 1)
    return round(value * multiplier)


def find_digit_amounts(folded: str, tokens: list[Token]) -> list[Candidate]:
    """Digits with separators, "k" and currency codes; a bare number counts from 100 up."""
    found = []
    for match in _DIGIT_AMOUNT_RE.finditer(folded):
        value = _digit_value(match)
        marked = any(match.group(g) for g in ("pre", "cur", "mult", "sep"))
        before = [t.text for t in tokens if t.end <= match.start()][-1:]
        after = [t.text for t in tokens if t.start >= match.end()][:1]
        near_currency = bool(_CURRENCY_WORDS.intersection(before + after))
        digits = len(re.sub(r"\D", "", match.group("num")))
        if marked or near_currency or (value >= MIN_BARE_AMOUNT and digits <= 6):
            found.append(Candidate("amount", value, match.start(), match.end(), AMOUNT_PRIORITY))
    return found


def _span(tokens: list[Token], number: NumberSpan) -> tuple[int, int]:
    return tokens[number.first].start, tokens[number.last].end


def find_word_amounts(tokens: list[Token]) -> list[Candidate]:
    """Numbers in words: Kinyarwanda first (its grammar is distinct), then English/French."""
    found = []
    i = 0
    while i < len(tokens):
        if not tokens[i].text.isalpha():
            i += 1
            continue
        number = parse_rw_number(tokens, i) or parse_word_number(tokens, i)
        if number is None:
            i += 1
            continue
        before = tokens[i - 1].text if i > 0 else ""
        after = tokens[number.last + 1].text if number.last + 1 < len(tokens) else ""
        if number.value >= MIN_BARE_AMOUNT or before in _CURRENCY_WORDS or after in _CURRENCY_WORDS:
            start, end = _span(tokens, number)
            found.append(Candidate("amount", number.value, start, end, AMOUNT_PRIORITY))
        i = number.last + 1
    return found


def _count_at(tokens: list[Token], i: int) -> NumberSpan | None:
    """A small count in digits or words, in any of the three languages."""
    if i >= len(tokens):
        return None
    if tokens[i].text.isdecimal():
        return NumberSpan(int(tokens[i].text), i, i) if len(tokens[i].text) <= 3 else None
    rw = _rw_below_thousand(tokens, i)
    if rw is not None:
        return NumberSpan(rw[0], i, rw[1] - 1)
    return parse_word_number(tokens, i)


def _term(tokens: list[Token], first: int, last: int, months: int) -> Candidate:
    return Candidate("term_months", months, tokens[first].start, tokens[last].end, TERM_PRIORITY)


def find_terms(tokens: list[Token]) -> list[Candidate]:
    """ "6 months", "six mois", "un an" (12), "amezi 6", "umwaka" (12), "imyaka ibiri" (24)."""
    found = []
    for i, token in enumerate(tokens):
        word = token.text
        nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
        prev = tokens[i - 1].text if i > 0 else ""
        if word in _RW_MONTHS or word in _RW_YEARS:
            count = _count_at(tokens, i + 1)
            if count is not None and count.value > 0:
                factor = 12 if word in _RW_YEARS else 1
                found.append(_term(tokens, i, count.last, count.value * factor))
        elif word in _RW_YEAR and nxt not in _NOT_A_TERM_AFTER and prev not in _NOT_A_TERM_BEFORE:
            last = i + 1 if nxt in ("umwe", "1") else i
            found.append(_term(tokens, i, last, 12))
        elif word in _RW_MONTH and nxt in ("kumwe", "1"):
            found.append(_term(tokens, i, i + 1, 1))
        elif word in _ONE and (nxt in _YEAR_UNITS or nxt in _MONTH_UNITS):
            found.append(_term(tokens, i, i + 1, 12 if nxt in _YEAR_UNITS else 1))
        elif word.isdecimal() or word.isalpha():
            count = _count_at(tokens, i) if word not in _ONE else None
            if count is None or count.last + 1 >= len(tokens):
                continue
            unit = tokens[count.last + 1].text
            if unit in _MONTH_UNITS or unit in _YEAR_UNITS:
                months = count.value * (12 if unit in _YEAR_UNITS else 1)
                if 0 < months <= 600:
                    found.append(_term(tokens, i, count.last + 1, months))
    return found
