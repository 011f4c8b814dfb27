"""Help: what the bot can do and the words that work anywhere (MENU, AGENT, STOP)."""

from __future__ import annotations

from typing import ClassVar

from dialogs.context import Context
from dialogs.engine import HELP, Audience, Dialog, Step, Turn
from dialogs.vocabulary import Reply


class Help(Dialog):
    name = HELP
    intents: ClassVar[frozenset[str]] = frozenset({"help"})
    menu_label = "menu.help"
    audience = Audience.ANYONE

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        return Step.end(Reply(ctx.t("help.text" if ctx.member is not None else "help.guest")))
