"""Change language: Kinyarwanda, English or Français, each named in its own language."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from dialogs.context import Context
from dialogs.engine import GUEST, LANGUAGE, MENU, Audience, Dialog, Step, Turn
from dialogs.i18n import LANGUAGE_NAMES, LANGUAGES
from dialogs.keywords import fold
from dialogs.vocabulary import Choice, Reply

PREFIX = "lang:"
# What people type for a language, folded (accents off, lower case).
_TYPED = {"kinyarwanda": "rw", "ikinyarwanda": "rw", "rw": "rw", "english": "en", "icyongereza": "en",
          "anglais": "en", "en": "en", "francais": "fr", "igifaransa": "fr", "french": "fr", "fr": "fr"}


class ChangeLanguage(Dialog):
    name = LANGUAGE
    intents: ClassVar[frozenset[str]] = frozenset({"change_language"})
    menu_label = "menu.language"
    audience = Audience.ANYONE

    class State(StrEnum):
        PICK = "pick"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        choices = tuple(Choice(id=f"{PREFIX}{lang}", title=LANGUAGE_NAMES[lang]) for lang in LANGUAGES)
        return Step.ask(self.State.PICK, Reply(ctx.t("language.pick"), choices=choices))

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        if turn.choice_id is not None and turn.choice_id.startswith(PREFIX):
            language = turn.choice_id.removeprefix(PREFIX)
        else:
            language = _TYPED.get(fold(turn.text), "")
        if language not in LANGUAGES:
            return None
        ctx.set_language(language)
        done = Reply(ctx.t("language.changed", language=LANGUAGE_NAMES[language]))
        return Step.go(MENU if ctx.member is not None else GUEST, done)
