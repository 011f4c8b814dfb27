"""Shared SMS field helpers: text clean-up, money, phones, timestamps, promo cut and labelled-field chains."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from core.payments.sms.types import SmsKind

__all__ = [
    "FLAGS",
    "KIGALI",
    "MAX_BODY",
    "MONEY",
    "TS",
    "FieldRule",
    "FieldTable",
    "clean_name",
    "clean_reference",
    "coerce_timestamp",
    "core_text",
    "normalize_phone",
    "normalize_text",
    "parse_money",
    "parse_timestamp",
    "split_merchant_code",
]


def _kigali() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Africa/Kigali")
    except Exception:  # no tz database on this machine: Kigali is UTC+2 all year, no DST
        return timezone(timedelta(hours=2), "CAT")


KIGALI = _kigali()
MAX_BODY = 2000  # a 6-part concatenated SMS is ~920 characters; cap the work on anything longer
FLAGS = re.IGNORECASE | re.ASCII

# An amount with the currency on either side: "2000 RWF", "1,000 RWF", "100RWF", "RWF 500", "RWF1355200".
MONEY = r"(?:(?:RWF|FRW)\s?\d[\d,]{0,15}(?:\.\d{1,2})?|\d[\d,]{0,15}(?:\.\d{1,2})?\s?(?:RWF|FRW))"
# "2024-05-10 16:30:51", and the newer "2026-09-04T08:45:12.498+02:00".
TS = r"(?P<ts>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?)"

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def normalize_text(body: str) -> str:
    """One line, single spaces (tabs, newlines, NBSP and double spaces collapse), straight quotes."""
    text = " ".join(body[:MAX_BODY].split())
    if "\u2019" in text or "\u2018" in text or "\u02bc" in text or "`" in text:
        text = text.translate(_QUOTES)
    return text


def parse_money(raw: str | None) -> int | None:
    """Whole RWF from "1,000 RWF", "RWF 500", "100RWF" or "2,000.00 RWF"; None when absent or fractional."""
    if not raw:
        return None
    text = raw.upper().replace("RWF", "").replace("FRW", "").replace(",", "").replace(" ", "")
    whole, _, frac = text.partition(".")
    if not whole or not whole.isdecimal() or (frac and frac.strip("0")):
        return None
    return int(whole)


def normalize_phone(raw: str | None) -> str | None:
    """Rwandan numbers to E.164 (+2507XXXXXXXX); masked ones ("*********013") kept as they are."""
    if raw is None:
        return None
    text = raw.replace(" ", "")
    if not text:
        return None
    if "*" in text or "x" in text or "X" in text:
        return text
    digits = text[1:] if text.startswith("+") else text
    if not digits.isdecimal():
        return None
    if len(digits) == 12 and digits.startswith("250"):
        return "+" + digits
    if len(digits) == 10 and digits.startswith("07"):
        return "+250" + digits[1:]
    if len(digits) == 9 and digits.startswith("7"):
        return "+250" + digits
    return text


def parse_timestamp(raw: str) -> datetime | None:
    """A provider timestamp as an aware Kigali datetime; zone-less text is Kigali wall time."""
    try:
        if len(raw) == 19 and raw[10] in " T":
            return datetime(
                int(raw[0:4]),
                int(raw[5:7]),
                int(raw[8:10]),
                int(raw[11:13]),
                int(raw[14:16]),
                int(raw[17:19]),
                tzinfo=KIGALI,
            )
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=KIGALI)
    return parsed.astimezone(KIGALI)


def coerce_timestamp(value: object) -> datetime | None:
    """A received-at value (datetime, ISO text, or epoch seconds/milliseconds) as an aware Kigali datetime.

    Naive datetimes are taken as Kigali wall time. Returns None for anything unreadable.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=KIGALI)
        return value.astimezone(KIGALI)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not text.isdecimal():
            return parse_timestamp(text)
        value = int(text)
    if isinstance(value, int | float):
        seconds = float(value)
        if seconds > 1e11:  # Android and most forwarders send milliseconds
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, UTC).astimezone(KIGALI)
        except (OverflowError, OSError, ValueError):
            return None
    return None


_EMPTY_REFERENCES = frozenset({"", "-", "--", "- -", "none", "null", "n/a", "optional.absent()"})


def clean_reference(raw: str | None) -> str | None:
    """The payer's message as typed, or None when the template's placeholder is all there is."""
    if raw is None:
        return None
    text = raw.strip(" .")
    if text.startswith("- "):  # partner payments write "Message: - {text}"
        text = text[2:].strip(" .")
    return None if text.lower() in _EMPTY_REFERENCES else text


def clean_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = raw.strip(" ,.;:-")
    return text or None


def split_merchant_code(name: str | None) -> tuple[str | None, str | None]:
    """ "KMLVIO SHOP 093011" -> ("KMLVIO SHOP", "093011"): MoMo writes the 5-7 digit code unlabelled."""
    if name is None:
        return None, None
    head, _, tail = name.rpartition(" ")
    if head and 5 <= len(tail) <= 7 and tail.isdecimal() and any(ch.isalpha() for ch in head):
        return clean_name(head), tail
    return name, None


# Where the confirmation ends: a closing language tag (*EN#, *RW#), or a promotional tail's dial code or link.
_CORE_END = re.compile(r"\*(?:EN|RW|FR)#|\*\d{2,3}(?:\*\d{1,8})*#|https?://|www\.", FLAGS)


def core_text(text: str) -> str:
    """The text before the closing tag or the first dial code/link of a promotional tail."""
    match = _CORE_END.search(text)
    return text[: match.start()] if match else text


@dataclass(frozen=True, slots=True)
class FieldRule:
    """A labelled field ("Balance: 500 RWF"): the value is the pattern's ``v`` group, if it has one.

    ``starts`` lists the lower-case characters the label can begin with, for cheap dispatch.
    """

    name: str
    starts: str
    pattern: re.Pattern[str]


_SEPARATORS = re.compile(r"[\s.,;}]*")


class FieldTable:
    """Reads a chain of labelled fields from a position, stopping at the first text that is not one.

    Stopping there is what keeps a promotional tail's digits out of amount, balance and fee: the tail
    follows the last field and starts with no label. The first occurrence of a field wins.
    """

    def __init__(self, rules: Iterable[FieldRule]) -> None:
        index: dict[str, list[FieldRule]] = {}
        for rule in rules:
            for ch in rule.starts:
                index.setdefault(ch, []).append(rule)
        self._by_start = {ch: tuple(found) for ch, found in index.items()}

    def scan(self, text: str, pos: int = 0) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        end = len(text)
        for _ in range(40):
            sep = _SEPARATORS.match(text, pos)
            pos = sep.end() if sep else pos
            if pos >= end:
                break
            rules = self._by_start.get(text[pos].lower())
            if rules is None:
                break
            for rule in rules:
                match = rule.pattern.match(text, pos)
                if match is not None and match.end() > pos:
                    if rule.name not in found:
                        found[rule.name] = match.group("v") if "v" in rule.pattern.groupindex else None
                    pos = match.end()
                    break
            else:
                break
        return found


@dataclass(frozen=True, slots=True)
class TemplateHead:
    """The opening of one template family; ``marker`` is a cheap lower-case pre-check before the regex."""

    marker: str
    template: str
    kind: SmsKind
    pattern: re.Pattern[str]
    merchant: bool = False  # MTN: the name may end with an unlabelled merchant code


def template_head(
    marker: str, template: str, kind: SmsKind, pattern: str, merchant: bool = False
) -> TemplateHead:
    return TemplateHead(marker, template, kind, re.compile(pattern, FLAGS), merchant)


def match_head(heads: Sequence[TemplateHead], core: str) -> tuple[TemplateHead, re.Match[str]] | None:
    """The first template family that opens ``core``: the cheap marker check first, then its regex."""
    low = core.lower()
    for head in heads:
        if head.marker in low and (match := head.pattern.match(core)) is not None:
            return head, match
    return None
