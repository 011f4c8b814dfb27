"""Exact one-word commands ("STOP", "bal", "0") answered without the model, plus a typo-tolerant match.

Commands like STOP must work every time (SMS opt-out), so they are a table, not a probability.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from nlu.intents import Intent
from nlu.normalize import fold

# folded text -> (intent, language or None when the word is shared by the three languages)
COMMANDS: dict[str, tuple[str, str | None]] = {
    "0": (Intent.BACK, None),
    "00": (Intent.MENU, None),
    "stop": (Intent.STOP, None),
    "stopall": (Intent.STOP, None),
    "unsubscribe": (Intent.STOP, "en"),
    "start": (Intent.START, None),
    "/start": (Intent.START, None),
    "menu": (Intent.MENU, None),
    "menyu": (Intent.MENU, "rw"),
    "help": (Intent.HELP, "en"),
    "aide": (Intent.HELP, "fr"),
    "ubufasha": (Intent.HELP, "rw"),
    "mfasha": (Intent.HELP, "rw"),
    "bal": (Intent.CHECK_BALANCE, None),
    "blnc": (Intent.CHECK_BALANCE, None),
    "balance": (Intent.CHECK_BALANCE, None),
    "solde": (Intent.CHECK_BALANCE, "fr"),
    "cancel": (Intent.CANCEL, None),
    "annuler": (Intent.CANCEL, "fr"),
    "reka": (Intent.CANCEL, "rw"),
    "back": (Intent.BACK, "en"),
    "retour": (Intent.BACK, "fr"),
    "inyuma": (Intent.BACK, "rw"),
    "yes": (Intent.AFFIRM, "en"),
    "yego": (Intent.AFFIRM, "rw"),
    "ego": (Intent.AFFIRM, "rw"),
    "oui": (Intent.AFFIRM, "fr"),
    "ok": (Intent.AFFIRM, None),
    "okay": (Intent.AFFIRM, None),
    "sawa": (Intent.AFFIRM, "rw"),
    "no": (Intent.DENY, "en"),
    "oya": (Intent.DENY, "rw"),
    "non": (Intent.DENY, "fr"),
    "agent": (Intent.TALK_TO_AGENT, None),
}
FUZZY_MIN_LENGTH = 5  # shorter words are too close to each other for edit distance to mean anything
FUZZY_CUTOFF = 80.0
_FUZZY_KEYS = [k for k in COMMANDS if len(k) >= FUZZY_MIN_LENGTH]
_STRIP_RE = re.compile(r"^[\s.!?,;:'\"*#-]+|[\s.!?,;:'\"*-]+$")


@dataclass(frozen=True, slots=True)
class CommandMatch:
    intent: str
    language: str | None
    confidence: float


def match_command(text: str) -> CommandMatch | None:
    """The command a one-word message is, exactly (confidence 1.0) or by a close typo ("balnce")."""
    word = _STRIP_RE.sub("", fold(text))
    if not word or " " in word:
        return None
    exact = COMMANDS.get(word)
    if exact is not None:
        return CommandMatch(str(exact[0]), exact[1], 1.0)
    if len(word) < FUZZY_MIN_LENGTH or not word.isalpha():
        return None
    best = process.extractOne(word, _FUZZY_KEYS, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return None
    intent, language = COMMANDS[best[0]]
    return CommandMatch(str(intent), language, round(float(best[1]) / 100.0, 4))
