"""Unknown numbers: a polite welcome, how to join a group, and a join request (name, group code) for staff."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from core.errors import InvalidInput
from core.join_requests.service import (
    clean_full_name,
    clean_group_code,
    find_group_by_code,
    submit_join_request,
)
from dialogs.context import Context
from dialogs.engine import (
    GUEST,
    Audience,
    Dialog,
    FormDialog,
    Invalid,
    Step,
    Turn,
    confirm_answer,
    menu_choices,
)
from dialogs.vocabulary import Channel, Choice, Prompt, Reply

GUEST_ENTRIES: tuple[tuple[str, str], ...] = (
    ("guest_info", "guest.how_to_join"),
    ("join_request", "guest.join_request"),
    ("language", "menu.language"),
)


class Guest(Dialog):
    name = GUEST
    audience = Audience.GUEST
    intents: ClassVar[frozenset[str]] = frozenset({"greet", "menu"})

    class State(StrEnum):
        MAIN = "main"

    root_state = State.MAIN

    def root_choices(self, ctx: Context) -> tuple[str, ...]:
        return tuple(cid for cid, _ in GUEST_ENTRIES)

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        welcome = Reply(ctx.t("guest.welcome"), choices=menu_choices(ctx, GUEST_ENTRIES))
        if ctx.channel is Channel.TELEGRAM and ctx.phone is None:  # a member we cannot see yet: ask for the phone
            return Step.ask(self.State.MAIN, welcome, Reply(ctx.t("guest.share_contact"), request_contact=True))
        return Step.ask(self.State.MAIN, welcome)

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        if turn.choice_id in self.root_choices(ctx):
            return Step.go(str(turn.choice_id))
        return None


class GuestInfo(Dialog):
    name = "guest_info"
    audience = Audience.GUEST
    menu_label = "guest.how_to_join"

    class State(StrEnum):
        INFO = "info"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        choices = (Choice(id="join_request", title=ctx.t("guest.join_request")),
                   Choice(id="menu", title=ctx.t("common.menu_button")))
        return Step.ask(self.State.INFO, Reply(ctx.t("guest.how_to_join_text"), choices=choices))

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        return Step.go("join_request") if turn.choice_id == "join_request" else None

    async def back(self, ctx: Context, state: str) -> Step:
        return Step.go(GUEST)


class JoinRequestForm(FormDialog):
    """Name and group code, a confirmation, then a request staff of the group's SACCO review."""

    name = "join_request"
    audience = Audience.GUEST
    intents: ClassVar[frozenset[str]] = frozenset({"join"})
    menu_label = "guest.join_request"
    form_slots = ("full_name", "group_code")

    class State(StrEnum):
        ASK_FULL_NAME = "ask_full_name"
        ASK_GROUP_CODE = "ask_group_code"
        CONFIRM = "confirm"

    async def ask_full_name(self, ctx: Context) -> Reply:
        return Prompt(ctx.t("join.ask_name"))

    async def validate_full_name(self, ctx: Context, text: str, turn: Turn) -> str:
        try:
            return clean_full_name(text)
        except InvalidInput as exc:
            raise Invalid(ctx.t("join.bad_name")) from exc

    async def ask_group_code(self, ctx: Context) -> Reply:
        return Prompt(ctx.t("join.ask_group_code"))

    async def validate_group_code(self, ctx: Context, text: str, turn: Turn) -> dict[str, Any]:
        code = clean_group_code(text)
        if len(code) < 2:
            raise Invalid(ctx.t("join.bad_group_code"))
        async with ctx.db.system() as session:  # no SACCO yet: the code tells which one
            match = await find_group_by_code(session, code)
        return {"code": code, "group": match.group_name if match else None,
                "sacco": match.organization_name if match else None}

    async def submit(self, ctx: Context) -> Step:
        group = ctx.slots["group_code"]
        if group["group"]:
            summary = ctx.t("join.confirm_known", name=ctx.slots["full_name"], group=group["group"],
                            sacco=group["sacco"])
        else:
            summary = ctx.t("join.confirm_unknown", name=ctx.slots["full_name"], code=group["code"])
        choices = (Choice(id="yes", title=ctx.t("common.yes_send")), Choice(id="no", title=ctx.t("common.no_cancel")))
        return Step.ask(self.State.CONFIRM, Reply(summary, choices=choices))

    async def handle_state(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        answer = confirm_answer(turn)
        if answer is None:
            return None
        if not answer:
            return Step.go(GUEST, Reply(ctx.t("common.cancelled")))
        async with ctx.db.system() as session:
            await submit_join_request(
                session,
                phone=ctx.phone or ctx.conversation_key,
                full_name=str(ctx.slots["full_name"]),
                group_code=str(ctx.slots["group_code"]["code"]),
                channel=ctx.channel.value,
                language=ctx.language,
            )
        return Step.end(Reply(ctx.t("join.submitted")))

