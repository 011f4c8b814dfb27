"""Payment codes members type as the mobile-money reference: digits only, with a Damm check digit."""

from __future__ import annotations

import re
import secrets
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import quote

__all__ = [
    "DEFAULT_LENGTH",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "CodeCheck",
    "RandomSource",
    "ReferenceResult",
    "classify_reference",
    "damm_check_digit",
    "damm_is_valid",
    "generate_code",
    "momo_dial_string",
    "new_code",
    "normalize_reference",
    "payload_bounds",
    "tel_link",
]

MIN_LENGTH = 7
MAX_LENGTH = 9
DEFAULT_LENGTH = 8

# The standard order-10 weakly totally anti-symmetric quasigroup (Damm, 2004). With it the check digit
# catches every single wrong digit and every swap of two adjacent digits, the two commonest typing errors.
_DAMM: tuple[tuple[int, ...], ...] = tuple(
    tuple(int(ch) for ch in row)
    for row in (
        "0317598642",
        "7092154863",
        "4206871359",
        "1750983426",
        "6123045978",
        "3674209581",
        "5869720134",
        "8945362017",
        "9438617205",
        "2581436790",
    )
)


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _interim(digits: str) -> int:
    state = 0
    for ch in digits:
        state = _DAMM[state][ord(ch) - 48]
    return state


def damm_check_digit(payload: str) -> str:
    """The Damm check digit for ``payload`` (ASCII digits); raises ValueError otherwise."""
    if not payload or not _is_digits(payload):
        raise ValueError(f"payload must be ASCII digits, got {payload!r}")
    return str(_interim(payload))


def damm_is_valid(code: str) -> bool:
    """True when ``code`` (payload + check digit, at least two digits) passes the Damm check."""
    return len(code) >= 2 and _is_digits(code) and _interim(code) == 0


def _check_length(length: int) -> None:
    if isinstance(length, bool) or not isinstance(length, int) or not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"code length must be {MIN_LENGTH}..{MAX_LENGTH}, got {length!r}")


def payload_bounds(length: int = DEFAULT_LENGTH) -> tuple[int, int]:
    """The payload numbers ``[low, high)`` that give a ``length``-digit code not starting with 0."""
    _check_length(length)
    return 10 ** (length - 2), 10 ** (length - 1)


def generate_code(payload_number: int, length: int = DEFAULT_LENGTH) -> str:
    """The code for ``payload_number``: the payload zero-padded to ``length - 1`` digits plus its check digit.

    Raises ValueError when the payload is outside ``payload_bounds(length)``: such a code would need
    more digits, or would start with 0, which some USSD menus silently drop.
    """
    low, high = payload_bounds(length)
    if isinstance(payload_number, bool) or not isinstance(payload_number, int):
        raise ValueError(f"payload must be an int, got {payload_number!r}")
    if not low <= payload_number < high:
        raise ValueError(f"payload {payload_number} outside [{low}, {high}) for {length}-digit codes")
    payload = f"{payload_number:0{length - 1}d}"
    return payload + damm_check_digit(payload)


class RandomSource(Protocol):
    """What ``new_code`` needs from a random source: ``random.Random`` and ``secrets.SystemRandom`` fit."""

    def randrange(self, start: int, stop: int, /) -> int: ...


def new_code(
    rng: RandomSource | None = None,
    length: int = DEFAULT_LENGTH,
    *,
    exclude: Container[str] = (),
) -> str:
    """A fresh code from a random (so non-sequential, unguessable) payload, avoiding codes in ``exclude``.

    Defaults to ``secrets.SystemRandom``; pass a seeded ``random.Random`` in tests. Uniqueness against the
    database is the caller's job (``exclude`` is a convenience); raises RuntimeError if 100 draws collide.
    """
    source: RandomSource = rng if rng is not None else secrets.SystemRandom()
    low, high = payload_bounds(length)
    for _ in range(100):
        code = generate_code(source.randrange(low, high), length)
        if code not in exclude:
            return code
    raise RuntimeError("could not draw an unused payment code in 100 attempts")


# A run of digits, continued across single spaces or dash/dot separators ("12 34-56.78").
_CLUSTER = re.compile(r"\d+(?:(?: ?[-.\u2010-\u2015]+ ?| )\d+)*", re.ASCII)
# Plain spaces that are not part of a " - " separator: where a cluster may be split back into words.
_WORD_GAP = re.compile(r"(?<![-.\u2010-\u2015]) (?![-.\u2010-\u2015])")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{4}", re.ASCII)


def _digits_only(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def _candidates(text: str) -> list[str]:
    """Distinct 7-9 digit strings found in ``text``, in order of appearance."""
    found: list[str] = []
    for match in _CLUSTER.finditer(" ".join(text.split())):
        cluster = match.group()
        if _DATE.fullmatch(cluster):
            continue
        digits = _digits_only(cluster)
        if MIN_LENGTH <= len(digits) <= MAX_LENGTH:
            parts = [digits]
        elif len(digits) > MAX_LENGTH:
            # "12345678 5000": too long joined, so try its space-separated words one by one.
            parts = [_digits_only(p) for p in _WORD_GAP.split(cluster) if not _DATE.fullmatch(p)]
        else:
            parts = []
        for part in parts:
            if MIN_LENGTH <= len(part) <= MAX_LENGTH and part not in found:
                found.append(part)
    return found


def normalize_reference(text: str | None) -> str | None:
    """The code a payer typed as reference, or None unless exactly one 7-9 digit candidate is found.

    Tolerates words around it ("ref", "Kwishyura", "code:"), spaces, dashes and dots inside it
    ("12 34-56.78"), trailing punctuation; ignores dates; a 10-digit phone number is not a candidate.
    """
    if not text:
        return None
    found = _candidates(text)
    return found[0] if len(found) == 1 else None


class CodeCheck(StrEnum):
    """How a payment reference relates to our codes; the reconciler names its exceptions after it."""

    VALID = "valid"
    BAD_CHECK_DIGIT = "bad_check_digit"
    NO_REFERENCE = "no_reference"
    NOT_A_CODE = "not_a_code"


@dataclass(frozen=True, slots=True)
class ReferenceResult:
    """The verdict on one reference text; ``digits`` is the candidate found, if any."""

    status: CodeCheck
    digits: str | None = None

    @property
    def code(self) -> str | None:
        """The payment code, only when the reference holds a valid one."""
        return self.digits if self.status is CodeCheck.VALID else None


def classify_reference(text: str | None) -> ReferenceResult:
    """Classify what a payer typed: VALID code, BAD_CHECK_DIGIT (a typo), NO_REFERENCE, or NOT_A_CODE."""
    if text is None or not any("0" <= ch <= "9" for ch in text):
        return ReferenceResult(CodeCheck.NO_REFERENCE)
    found = _candidates(text)
    if len(found) != 1:
        return ReferenceResult(CodeCheck.NOT_A_CODE)
    digits = found[0]
    if not damm_is_valid(digits):
        return ReferenceResult(CodeCheck.BAD_CHECK_DIGIT, digits)
    if digits.startswith("0"):
        return ReferenceResult(CodeCheck.NOT_A_CODE, digits)  # checksum fits, but we never issue these
    return ReferenceResult(CodeCheck.VALID, digits)


_MERCHANT = re.compile(r"\d{4,10}", re.ASCII)


def momo_dial_string(merchant_code: str, amount: int, reference: str | None = None) -> str:
    """The MTN Rwanda MoMo Pay USSD string ``*182*8*1*{merchant_code}*{amount}#``.

    MoMo Pay's menu asks for the payment reference after this string is dialled; the string itself
    cannot carry it. ``reference`` is therefore only checked to be typable on a keypad (digits), so
    callers can show it next to the link. Raises ValueError on a bad merchant code, amount or reference.
    """
    if not _MERCHANT.fullmatch(merchant_code):
        raise ValueError(f"merchant code must be 4-10 digits, got {merchant_code!r}")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive whole number of RWF, got {amount!r}")
    if reference is not None and not _is_digits(reference):
        raise ValueError(f"reference must be digits only, got {reference!r}")
    return f"*182*8*1*{merchant_code}*{amount}#"


def tel_link(dial: str) -> str:
    """A ``tel:`` URI that dials a USSD string: ``*`` stays, ``#`` becomes ``%23`` (else it ends the URI)."""
    return "tel:" + quote(dial, safe="*+")
