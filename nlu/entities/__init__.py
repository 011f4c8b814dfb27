"""Rule-based entity extraction; offsets index the original text, overlaps go to the surer extractor."""

from __future__ import annotations

from nlu.entities.dates import find_months
from nlu.entities.identifiers import find_codes, find_phones
from nlu.entities.languages import find_languages
from nlu.entities.quantities import find_digit_amounts, find_terms, find_word_amounts
from nlu.entities.tokens import Candidate, tokenize
from nlu.normalize import fold
from nlu.types import Entity

__all__ = ["extract_entities"]


def _resolve(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the best non-overlapping candidates: lower priority first, then the longer span."""
    chosen: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: (c.priority, c.start - c.end, c.start)):
        if all(cand.end <= other.start or cand.start >= other.end for other in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


def extract_entities(text: str) -> tuple[Entity, ...]:
    """Amounts, terms, months, years, codes, phones and language names found in ``text``."""
    folded = fold(text)
    tokens = tokenize(text)
    candidates = [
        *find_phones(folded),
        *find_codes(folded),
        *find_terms(tokens),
        *find_months(tokens),
        *find_digit_amounts(folded, tokens),
        *find_word_amounts(tokens),
        *find_languages(tokens),
    ]
    entities = [Entity(c.entity, c.value, c.start, c.end) for c in _resolve(candidates)]
    stripped = text.strip()
    if stripped.isdecimal() and len(stripped) <= 3:
        start = text.index(stripped)
        entities.append(Entity("number", int(stripped), start, start + len(stripped)))
    return tuple(entities)
