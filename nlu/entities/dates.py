"""Month names in rw/en/fr (1..12), and a year written right after a month."""

from __future__ import annotations

from nlu.entities.tokens import Candidate, Token
from nlu.lexicon import AMBIGUOUS_MONTHS, MONTHS

YEAR_PRIORITY = 3
MONTH_PRIORITY = 5

# Words after which an ambiguous month word ("may", "dec") really is a month.
_MONTH_CONTEXT = frozenset(
    {"in", "of", "for", "since", "from", "until", "till", "last", "this", "next", "ya", "y", "kwa", "cya",
     "de", "du", "en", "le", "mois", "month", "ukwezi", "statement", "releve"}
)  # fmt: skip


def _is_year(token: Token | None) -> bool:
    return token is not None and len(token.text) == 4 and token.text[:2] in ("19", "20")


def find_months(tokens: list[Token]) -> list[Candidate]:
    """Months, plus ``year`` when a 4-digit year follows one ("Werurwe 2024")."""
    found = []
    for i, token in enumerate(tokens):
        number = MONTHS.get(token.text)
        if number is None:
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.text in AMBIGUOUS_MONTHS:
            alone = len(tokens) == 1
            after_context = i > 0 and tokens[i - 1].text in _MONTH_CONTEXT
            if not (alone or after_context or _is_year(following)):
                continue
        found.append(Candidate("month", number, token.start, token.end, MONTH_PRIORITY))
        if following is not None and _is_year(following):
            found.append(
                Candidate("year", int(following.text), following.start, following.end, YEAR_PRIORITY)
            )
    return found
