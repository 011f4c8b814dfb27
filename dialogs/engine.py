"""The dialog engine: named states, entry triggers, global fallbacks, and forms that fill slots.

A dialog is a small state machine. `begin` starts it, `handle` takes the member's answer in a state and
returns a `Step` (the next state, or None when the journey ends, and the replies). Fallbacks (menu, back,
cancel, help, agent, language, STOP/START) work in every state; a choice is always answerable by its
number; free text goes through NLU on chat channels. Forms (`FormDialog`) ask for slots one by one with
`ask_<slot>` and check each answer with `validate_<slot>`, as in Rasa's forms.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar

from dialogs.context import Context
from dialogs.keywords import yes_or_no
from dialogs.vocabulary import Choice, Reply
from nlu.types import Entity, ParseResult

MENU = "menu"  # the dialog names the engine itself needs
GUEST = "guest"
CHOOSE_SACCO = "choose_sacco"
HELP = "help"
HANDOFF = "handoff"
LANGUAGE = "language"
OPT_OUT = "opt_out"
CLARIFY = "clarify"
ATTEMPTS = "_attempts"  # form slot: wrong answers per slot

NLU_THRESHOLD = 0.55  # below: a clarifying question instead of a guess
INTERRUPT_THRESHOLD = 0.85  # a form's free-text answer is only taken as "cancel"/"agent"... above this


class Audience(StrEnum):
    MEMBER = "member"  # needs a recognised member
    GUEST = "guest"  # only for unknown numbers
    ANYONE = "anyone"


@dataclass(frozen=True, slots=True)
class Turn:
    """The member's input, channel-neutral: text, a picked choice id, what NLU made of the text."""

    text: str = ""
    choice_id: str | None = None
    parse: ParseResult | None = None
    session_start: bool = False

    @property
    def intent(self) -> str | None:
        return self.parse.intent if self.parse else None

    @property
    def confidence(self) -> float:
        return self.parse.confidence if self.parse else 0.0

    def entity(self, name: str) -> Entity | None:
        return self.parse.entity(name) if self.parse else None

    def confident(self, threshold: float = NLU_THRESHOLD) -> str | None:
        """The intent when NLU is sure enough of it, else None."""
        if self.parse is None or self.parse.intent == "nlu_fallback" or self.parse.confidence < threshold:
            return None
        return self.parse.intent


@dataclass(frozen=True, slots=True)
class DialogState:
    """Where a conversation stands between turns (persisted by the router)."""

    dialog: str | None = None
    state: str | None = None
    slots: Mapping[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] = ()  # ids of the choices last shown: number n answers choices[n-1]
    awaiting: bool = False  # the last reply asked for free text

    @property
    def active(self) -> bool:
        return self.dialog is not None and self.state is not None


@dataclass(frozen=True, slots=True)
class Step:
    """What a step returns: replies, the next state (None ends the journey), or a dialog to go to."""

    replies: tuple[Reply, ...] = ()
    state: str | None = None
    switch_to: str | None = None  # begin this dialog next; its replies follow these

    @classmethod
    def ask(cls, state: str, reply: Reply, *before: Reply) -> Step:
        return cls(replies=(*before, reply), state=state)

    @classmethod
    def end(cls, *replies: Reply) -> Step:
        return cls(replies=tuple(replace(r, final=True) if i == len(replies) - 1 else r
                                 for i, r in enumerate(replies)))

    @classmethod
    def go(cls, dialog: str, *before: Reply) -> Step:
        return cls(replies=before, switch_to=dialog)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A whole turn's result: the state to save and every reply to send, in order."""

    state: DialogState
    replies: tuple[Reply, ...]


class Invalid(Exception):
    """A form answer that does not fit; `message` tells the member why, in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Dialog:
    """A member journey. Subclasses set `name`, their `State` enum, triggers, and override the steps."""

    name: ClassVar[str]
    intents: ClassVar[frozenset[str]] = frozenset()  # NLU intents that start it
    menu_label: ClassVar[str | None] = None  # msgid of its line in a menu
    audience: ClassVar[Audience] = Audience.MEMBER
    root_state: ClassVar[str | None] = None  # entry dialogs: the state a bare number is read in

    def root_choices(self, ctx: Context) -> tuple[str, ...]:
        """Entry dialogs: the choice ids a number picks when no journey is in progress."""
        return ()

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        raise NotImplementedError

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        """The answer in `state`; None when it does not fit here (the engine re-asks or re-routes)."""
        return None

    async def reprompt(self, ctx: Context, state: str) -> Step:
        """Ask the question of `state` again (after help, a language change, an answer that did not fit)."""
        return await self.begin(ctx, Turn())

    async def back(self, ctx: Context, state: str) -> Step:
        """One step back; from a journey's first question, the main menu."""
        return Step.go(MENU)


class FormDialog(Dialog):
    """Fills `form_slots` in order: state `ask_<slot>` asks with `ask_<slot>(ctx)`, checks the answer with
    `validate_<slot>(ctx, text, turn)` (which returns the clean value or raises Invalid). An entity named
    like a slot in the message that started the form fills it straight away. When every slot is filled,
    `submit(ctx)` decides what follows (a confirmation question, usually)."""

    form_slots: ClassVar[tuple[str, ...]]
    max_attempts: ClassVar[int] = 3

    async def before_form(self, ctx: Context, turn: Turn) -> Step | None:
        """A check before the first question (eligibility...); a Step returned instead of the form."""
        return None

    async def submit(self, ctx: Context) -> Step:
        raise NotImplementedError

    async def handle_state(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        """States beyond the slot questions (a confirmation...)."""
        return None

    async def ask(self, ctx: Context, slot: str) -> Reply:
        reply: Reply = await getattr(self, f"ask_{slot}")(ctx)
        return reply

    async def validate(self, ctx: Context, slot: str, text: str, turn: Turn) -> Any:
        return await getattr(self, f"validate_{slot}")(ctx, text, turn)

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        ctx.slots.clear()
        early = await self.before_form(ctx, turn)
        if early is not None:
            return early
        for slot in self.form_slots:
            entity = turn.entity(slot)
            if entity is not None:
                with contextlib.suppress(Invalid):  # a misread entity: the question is asked instead
                    ctx.slots[slot] = await self.validate(ctx, slot, str(entity.value), turn)
        return await self.next_question(ctx)

    async def next_question(self, ctx: Context, *before: Reply) -> Step:
        for slot in self.form_slots:
            if slot not in ctx.slots:
                return Step.ask(f"ask_{slot}", await self.ask(ctx, slot), *before)
        step = await self.submit(ctx)
        return replace(step, replies=(*before, *step.replies))

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        slot = state.removeprefix("ask_")
        if not state.startswith("ask_") or slot not in self.form_slots:
            return await self.handle_state(ctx, state, turn)
        text = turn.choice_id if turn.choice_id is not None else turn.text
        try:
            ctx.slots[slot] = await self.validate(ctx, slot, text.strip(), turn)
        except Invalid as problem:
            tries = dict(ctx.slots.get(ATTEMPTS, {}))
            tries[slot] = int(tries.get(slot, 0)) + 1
            ctx.slots[ATTEMPTS] = tries
            if tries[slot] >= self.max_attempts:
                return await self.give_up(ctx, slot)
            question = await self.ask(ctx, slot)
            return Step.ask(state, replace(question, text=f"{problem.message}\n{question.text}"))
        return await self.next_question(ctx)

    async def give_up(self, ctx: Context, slot: str) -> Step:
        """After `max_attempts` answers that did not fit: stop asking, say what would work."""
        return Step.go(MENU, Reply(ctx.t("common.too_many_tries")))

    async def reprompt(self, ctx: Context, state: str) -> Step:
        slot = state.removeprefix("ask_")
        if state.startswith("ask_") and slot in self.form_slots:
            return Step.ask(state, await self.ask(ctx, slot))
        return await self.next_question(ctx)

    async def back(self, ctx: Context, state: str) -> Step:
        slot = state.removeprefix("ask_")
        filled = [s for s in self.form_slots if s in ctx.slots]
        if state.startswith("ask_") and slot in self.form_slots:
            earlier = [s for s in self.form_slots[: self.form_slots.index(slot)] if s in ctx.slots]
            if not earlier:
                return Step.go(MENU)
            ctx.slots.pop(earlier[-1])
        elif filled:
            ctx.slots.pop(filled[-1])
        return await self.next_question(ctx)


def numbered_choice(state: DialogState, turn: Turn) -> str | None:
    """The choice id a typed number picks among the choices last shown (None when it picks none)."""
    if turn.choice_id is not None:
        return turn.choice_id
    text = turn.text.strip().rstrip(".)")
    if state.choices and text.isdigit() and not text.startswith("0"):
        index = int(text) - 1
        if 0 <= index < len(state.choices):
            return state.choices[index]
    return None


def state_after(dialog: str | None, step_state: str | None, slots: Mapping[str, Any],
                replies: Sequence[Reply]) -> DialogState:
    """What to save after a turn: the choices and prompt of the last reply decide how the next is read."""
    last = replies[-1] if replies else None
    choices = tuple(c.id for c in last.choices) if last is not None else ()
    if step_state is None or dialog is None:
        return DialogState(choices=choices if last is not None and not last.final else ())
    return DialogState(
        dialog=dialog, state=step_state, slots=dict(slots), choices=choices,
        awaiting=bool(last is not None and last.expects_answer),
    )


def menu_choices(ctx: Context, entries: Sequence[tuple[str, str]]) -> tuple[Choice, ...]:
    """Choices from (id, msgid) pairs, titled in the member's language."""
    return tuple(Choice(id=cid, title=ctx.t(msgid)) for cid, msgid in entries)


def confirm_answer(turn: Turn) -> bool | None:
    """Yes/no from a button, a number (1 yes, 2 no), a word in any language, or NLU affirm/deny."""
    if turn.choice_id in ("yes", "no"):
        return turn.choice_id == "yes"
    word = yes_or_no(turn.text)
    if word is not None:
        return word
    intent = turn.confident()
    if intent in ("affirm", "deny"):
        return intent == "affirm"
    return None
