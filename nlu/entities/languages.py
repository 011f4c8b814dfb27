"""Language names ("icyongereza", "anglais", "lang fr") -> language codes, for change_language."""

from __future__ import annotations

from nlu.entities.tokens import Candidate, Token
from nlu.lexicon import LANGUAGE_NAMES

LANGUAGE_PRIORITY = 6
_CODES = {"rw": "rw", "kin": "rw", "en": "en", "eng": "en", "fr": "fr", "fra": "fr"}
_CODE_CONTEXT = frozenset({"lang", "langue", "language", "ururimi", "langage"})


def find_languages(tokens: list[Token]) -> list[Candidate]:
    found = []
    for i, token in enumerate(tokens):
        code = LANGUAGE_NAMES.get(token.text)
        if code is None and i > 0 and tokens[i - 1].text in _CODE_CONTEXT:
            code = _CODES.get(token.text)
        if code is not None:
            found.append(Candidate("language", code, token.start, token.end, LANGUAGE_PRIORITY))
    return found
