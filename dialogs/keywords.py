"""Exact words that work in every state and language (menu, back, cancel, help, agent, language, STOP)."""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class Command(StrEnum):
    """A global fallback: answered the same way whatever journey the member is in."""

    MENU = "menu"
    BACK = "back"
    CANCEL = "cancel"
    HELP = "help"
    AGENT = "agent"
    LANGUAGE = "language"
    STOP = "stop"
    START = "start"


# Keypad shortcuts first ("0" back, "00" menu, as on every USSD menu in Rwanda), then words in rw, en, fr.
_COMMAND_WORDS: dict[Command, frozenset[str]] = {
    Command.MENU: frozenset({"00", "menu", "menyu", "ahabanza", "home", "main menu", "accueil", "hi", "muraho"}),
    Command.BACK: frozenset({"0", "back", "subira", "subira inyuma", "inyuma", "retour", "precedent"}),
    Command.CANCEL: frozenset({"cancel", "reka", "kureka", "bireke", "annuler", "annule", "quit", "exit"}),
    Command.HELP: frozenset({"help", "?", "ubufasha", "mfasha", "aide", "aidez-moi"}),
    Command.AGENT: frozenset({"agent", "umukozi", "human", "person", "conseiller", "operator", "operateur"}),
    Command.LANGUAGE: frozenset({"language", "lang", "ururimi", "langue", "kinyarwanda", "english", "francais"}),
    Command.STOP: frozenset({"stop", "hagarika", "unsubscribe", "arret", "stopall", "stop all"}),
    Command.START: frozenset({"start", "tangira", "subscribe", "unstop", "commencer", "demarrer"}),
}
_BY_WORD: dict[str, Command] = {word: cmd for cmd, words in _COMMAND_WORDS.items() for word in words}

# "muraho"/"hi" as greetings open the menu; NLU does the rest on chat channels.
YES_WORDS = frozenset({"1", "yes", "y", "yego", "ego", "oui", "ok", "okay", "confirm", "emeza", "ndemeza", "yee"})
NO_WORDS = frozenset({"2", "no", "n", "oya", "non", "ntabwo"})


def fold(text: str) -> str:
    """Lower-case, accents and surrounding punctuation removed, inner spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.strip(" .!,;:'\"").split())


def command_for(text: str) -> Command | None:
    """The global command this exact text names, or None (free text goes to NLU or the current step)."""
    folded = fold(text)
    return _BY_WORD.get(folded)


def yes_or_no(text: str) -> bool | None:
    folded = fold(text)
    if folded in YES_WORDS:
        return True
    if folded in NO_WORDS:
        return False
    return None
