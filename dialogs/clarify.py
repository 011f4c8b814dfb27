"""The clarifying question when NLU is unsure: "Did you mean ...?" with its best guesses as choices."""

from __future__ import annotations

from enum import StrEnum

from dialogs.context import Context
from dialogs.engine import CLARIFY, MENU, Audience, Dialog, Step, Turn
from dialogs.vocabulary import Choice, Reply

# The menu line (msgid) each guessable journey is offered under.
LABELS: dict[str, str] = {
    "balance": "menu.balance",
    "payment_code": "menu.payment_code",
    "statement": "menu.statement",
    "loan_apply": "menu.loan_apply",
    "loan_status": "menu.loan_status",
    "handoff": "menu.agent",
    "one_time_code": "menu.one_time_code",
    "language": "menu.language",
    "help": "menu.help",
    "join_request": "guest.join_request",
    "guest_info": "guest.how_to_join",
}


class Clarify(Dialog):
    """The engine fills `slots["options"]` with the dialogs to offer before it begins this one."""

    name = CLARIFY
    audience = Audience.ANYONE

    class State(StrEnum):
        PICK = "pick"

    def options(self, ctx: Context) -> list[str]:
        return [str(o) for o in ctx.slots.get("options", []) if str(o) in LABELS]

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        choices = [Choice(id=o, title=ctx.t(LABELS[o])) for o in self.options(ctx)]
        choices.append(Choice(id="menu", title=ctx.t("common.menu_button")))
        return Step.ask(self.State.PICK, Reply(ctx.t("clarify.question"), choices=tuple(choices)))

    async def reprompt(self, ctx: Context, state: str) -> Step:
        return await self.begin(ctx, Turn())

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        if turn.choice_id in self.options(ctx):
            return Step.go(str(turn.choice_id))
        return None

    async def back(self, ctx: Context, state: str) -> Step:
        return Step.go(MENU)
