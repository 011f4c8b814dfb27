"""Reading amounts and numbers as members type them: "20000", "20,000", "20 000 RWF", "20k", "frw 5.000"."""

from __future__ import annotations

import re

from dialogs.engine import Turn

_AMOUNT = re.compile(r"^(?:rwf|frw|rf)?\s*(\d{1,3}(?:[ ,.]\d{3})+|\d+)\s*(k)?\s*(?:rwf|frw|rf|francs?)?$", re.I)
_NUMBER = re.compile(r"\d+")


def parse_amount(text: str, turn: Turn | None = None) -> int | None:
    """A whole amount, or None when the text is not one; an NLU `amount` entity is used when present."""
    entity = turn.entity("amount") if turn is not None else None
    if entity is not None and isinstance(entity.value, int):
        return entity.value
    match = _AMOUNT.match(text.strip())
    if match is None:
        return None
    value = int(re.sub(r"[ ,.]", "", match.group(1)))
    return value * 1000 if match.group(2) and match.group(2).lower() == "k" else value


def parse_count(text: str, turn: Turn | None = None, entity_name: str = "term_months") -> int | None:
    """A small whole number ("6", "6 months", "amezi 6"), or None."""
    entity = turn.entity(entity_name) if turn is not None else None
    if entity is not None and isinstance(entity.value, int):
        return entity.value
    found = _NUMBER.findall(text)
    return int(found[0]) if len(found) == 1 and len(found[0]) <= 3 else None
