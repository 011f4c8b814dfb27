"""STOP and START: an opted-out phone gets no bot messages (only the STOP confirmation) until START."""

from __future__ import annotations

from typing import ClassVar

from dialogs.context import Context
from dialogs.engine import GUEST, MENU, Audience, Dialog, Step, Turn
from dialogs.vocabulary import Reply


class Stop(Dialog):
    name = "stop"
    intents: ClassVar[frozenset[str]] = frozenset({"stop"})
    audience = Audience.ANYONE

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        ctx.effects.opted_out = True
        return Step.end(Reply(ctx.t("optout.stopped")))


class Start(Dialog):
    name = "start"
    intents: ClassVar[frozenset[str]] = frozenset({"start"})
    audience = Audience.ANYONE

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        ctx.effects.opted_out = False
        return Step.go(MENU if ctx.member is not None else GUEST, Reply(ctx.t("optout.started")))
