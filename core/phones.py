"""Phone numbers in E.164, as members and providers write them (07..., 2507..., +2507..., 7...)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from core.errors import InvalidInput

DEFAULT_REGION = "RW"


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form (+250788123456) or raise InvalidInput with a reason a person understands."""
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdecimal())
    if not text.startswith("+") and digits.startswith("250") and len(digits) == 12:
        text = "+" + digits  # providers send 2507XXXXXXXX without the plus
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=65_536)
def try_normalise_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form, or None. Cached: parsing costs more than the rest of a USSD hop's Python work, and the
    same members write again and again (every webhook, every turn)."""
    if not raw:
        return None
    try:
        return normalise_phone(raw, region)
    except InvalidInput:
        return None
