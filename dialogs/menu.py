"""The main menu and its "More" page: what a recognised member can do, short enough for one USSD screen."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from dialogs.context import Context
from dialogs.engine import MENU, Dialog, Step, Turn, menu_choices
from dialogs.vocabulary import Reply

MORE = "more"
# (dialog id, menu line msgid), in the order members see them; loans stay on the first screen.
MAIN_ENTRIES: tuple[tuple[str, str], ...] = (
    ("balance", "menu.balance"),
    ("payment_code", "menu.payment_code"),
    ("statement", "menu.statement"),
    ("loan_apply", "menu.loan_apply"),
    ("loan_status", "menu.loan_status"),
    ("handoff", "menu.agent"),
    (MORE, "menu.more"),
)
MORE_ENTRIES: tuple[tuple[str, str], ...] = (
    ("one_time_code", "menu.one_time_code"),
    ("language", "menu.language"),
    ("help", "menu.help"),
)


class MainMenu(Dialog):
    name = MENU
    intents: ClassVar[frozenset[str]] = frozenset({"greet", "menu"})

    class State(StrEnum):
        MAIN = "main"

    root_state = State.MAIN

    def root_choices(self, ctx: Context) -> tuple[str, ...]:
        return tuple(cid for cid, _ in MAIN_ENTRIES)

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        member = ctx.require_member()
        title = ctx.t("menu.title", name=member.first_name)
        return Step.ask(self.State.MAIN, Reply(title, choices=menu_choices(ctx, MAIN_ENTRIES)))

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        if turn.choice_id in self.root_choices(ctx):
            return Step.go(turn.choice_id)
        return None


class MoreMenu(Dialog):
    name = MORE

    class State(StrEnum):
        MORE = "more"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        return Step.ask(self.State.MORE, Reply(ctx.t("menu.more_title"), choices=menu_choices(ctx, MORE_ENTRIES)))

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        if turn.choice_id in {cid for cid, _ in MORE_ENTRIES}:
            return Step.go(turn.choice_id)
        return None


class SmallTalk(Dialog):
    """Thanks and goodbye get a short, warm answer instead of a menu."""

    name = "smalltalk"
    intents: ClassVar[frozenset[str]] = frozenset({"thanks", "goodbye"})

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        key = "smalltalk.goodbye" if turn.intent == "goodbye" else "smalltalk.thanks"
        return Step.end(Reply(ctx.t(key)))
