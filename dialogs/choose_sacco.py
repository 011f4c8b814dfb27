"""A phone registered in two SACCOs is asked once which one it talks to; the answer is remembered."""

from __future__ import annotations

from enum import StrEnum

from dialogs.context import Context
from dialogs.engine import CHOOSE_SACCO, Audience, Dialog, Step, Turn
from dialogs.vocabulary import Choice, Reply

PREFIX = "org:"


class ChooseSacco(Dialog):
    name = CHOOSE_SACCO
    audience = Audience.ANYONE

    class State(StrEnum):
        PICK = "pick"

    root_state = State.PICK

    def root_choices(self, ctx: Context) -> tuple[str, ...]:
        return tuple(f"{PREFIX}{c.organization_id}" for c in ctx.candidates)

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        choices = tuple(Choice(id=f"{PREFIX}{c.organization_id}", title=c.organization_name) for c in ctx.candidates)
        return Step.ask(self.State.PICK, Reply(ctx.t("sacco.which", count=len(choices)), choices=choices))

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        picked = next((c for c in ctx.candidates if turn.choice_id == f"{PREFIX}{c.organization_id}"), None)
        if picked is None:
            return None
        ctx.choose_member(picked)
        return Step.go("menu", Reply(ctx.t("sacco.chosen", sacco=picked.organization_name)))

    async def back(self, ctx: Context, state: str) -> Step:
        return await self.begin(ctx, Turn())
