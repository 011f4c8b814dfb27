"""One turn through the dialogs: numbers to choices, global fallbacks, the current step, NLU triggers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dialogs.context import Context
from dialogs.engine import (
    CHOOSE_SACCO,
    CLARIFY,
    GUEST,
    HANDOFF,
    HELP,
    INTERRUPT_THRESHOLD,
    LANGUAGE,
    MENU,
    NLU_THRESHOLD,
    Audience,
    Dialog,
    DialogState,
    Outcome,
    Step,
    Turn,
    numbered_choice,
    state_after,
)
from dialogs.keywords import Command, command_for
from dialogs.vocabulary import Channel, Choice, Reply

INTENT_COMMANDS: dict[str, Command] = {
    "menu": Command.MENU,
    "back": Command.BACK,
    "cancel": Command.CANCEL,
    "help": Command.HELP,
    "talk_to_agent": Command.AGENT,
    "change_language": Command.LANGUAGE,
    "stop": Command.STOP,
    "start": Command.START,
}
COMMAND_DIALOGS: dict[Command, str] = {
    Command.AGENT: HANDOFF,
    Command.LANGUAGE: LANGUAGE,
    Command.STOP: "stop",
    Command.START: "start",
}
MAX_SWITCHES = 4
CHAT_BUTTON_CHANNELS = frozenset({Channel.WHATSAPP, Channel.TELEGRAM, Channel.APP})


class Engine:
    """Runs turns against an explicit registry of dialogs, in priority order (first trigger wins)."""

    def __init__(self, dialogs: Sequence[Dialog]) -> None:
        self.order = tuple(dialogs)
        self.dialogs = {d.name: d for d in self.order}
        for needed in (MENU, GUEST, CHOOSE_SACCO, HELP, HANDOFF, LANGUAGE, CLARIFY, "stop", "start"):
            if needed not in self.dialogs:
                raise ValueError(f"the registry needs a {needed!r} dialog")

    def allowed(self, ctx: Context, dialog: Dialog) -> bool:
        if dialog.audience is Audience.ANYONE:
            return True
        return (ctx.member is not None) == (dialog.audience is Audience.MEMBER)

    def entry(self, ctx: Context) -> str:
        if ctx.needs_sacco_choice:
            return CHOOSE_SACCO
        return MENU if ctx.member is not None else GUEST

    def triggered(self, ctx: Context, turn: Turn, threshold: float = NLU_THRESHOLD) -> Dialog | None:
        """The first dialog (registry order) an intent NLU is sure of starts."""
        intent = turn.confident(threshold)
        if intent is None:
            return None
        return next((d for d in self.order if intent in d.intents and self.allowed(ctx, d)), None)

    async def run(self, ctx: Context, current: DialogState, turn: Turn) -> Outcome:
        """Take one turn from `current`; returns the state to save and the replies to send."""
        ctx.slots = dict(current.slots)
        known = self.dialogs.get(current.dialog or "")
        if current.active and (known is None or not self.allowed(ctx, known)):
            current = DialogState()
        entry = self.entry(ctx)
        if turn.session_start:
            return await self.begin(ctx, entry, turn)
        if not current.active:
            root = self.dialogs[entry]
            if root.root_state is not None:
                current = DialogState(dialog=entry, state=root.root_state, choices=root.root_choices(ctx))
        choice = numbered_choice(current, turn)
        if choice is not None:
            turn = replace(turn, choice_id=choice)
        command = self.command(ctx, current, turn)
        if command is not None:
            return await self.fallback(ctx, current, command, turn)
        if ctx.needs_sacco_choice and current.dialog != CHOOSE_SACCO:
            return await self.begin(ctx, CHOOSE_SACCO, turn)
        dialog = self.dialogs.get(current.dialog or "")
        if dialog is not None and current.state is not None:
            step = await dialog.handle(ctx, current.state, turn)
            if step is not None:
                return await self.finish(ctx, dialog, step, turn)
        tapped = self.dialogs.get(turn.choice_id or "")
        if tapped is not None and tapped.menu_label is not None and self.allowed(ctx, tapped):
            return await self.begin(ctx, tapped.name, turn)  # a button from an earlier message
        target = self.triggered(ctx, turn)
        if target is not None and (target.name != current.dialog or not current.awaiting):
            return await self.begin(ctx, target.name, turn)
        return await self.not_understood(ctx, current, turn)

    def command(self, ctx: Context, current: DialogState, turn: Turn) -> Command | None:
        """A global fallback named by a tapped button, an exact keyword, or NLU (strictly inside forms)."""
        if turn.choice_id is not None:
            return Command(turn.choice_id) if turn.choice_id in set(Command) else None
        keyword = command_for(turn.text)
        if keyword is not None:
            return keyword
        if current.awaiting and not ctx.is_chat:
            return None
        intent = turn.confident(INTERRUPT_THRESHOLD if current.awaiting else NLU_THRESHOLD)
        return INTENT_COMMANDS.get(intent or "")

    async def fallback(self, ctx: Context, current: DialogState, command: Command, turn: Turn) -> Outcome:
        entry = self.entry(ctx)
        if command is Command.MENU:
            return await self.begin(ctx, entry, turn)
        if command is Command.BACK:
            dialog = self.dialogs.get(current.dialog or "")
            if dialog is None or current.state is None or dialog.name == entry:
                return await self.begin(ctx, entry, turn)
            return await self.finish(ctx, dialog, await dialog.back(ctx, current.state), turn)
        if command is Command.CANCEL:
            return await self.begin(ctx, entry, turn, before=(Reply(ctx.t("common.cancelled")),))
        if command is Command.HELP:
            return await self.help(ctx, current, turn)
        if ctx.needs_sacco_choice and command is Command.AGENT:
            return await self.begin(ctx, CHOOSE_SACCO, turn)
        return await self.begin(ctx, COMMAND_DIALOGS[command], turn)

    async def help(self, ctx: Context, current: DialogState, turn: Turn) -> Outcome:
        """Help, then the question the member was on (or the menu)."""
        help_reply = Reply(ctx.t("help.text" if ctx.member is not None else "help.guest"))
        dialog = self.dialogs.get(current.dialog or "")
        picked = turn.choice_id is not None  # Help chosen from a menu: then the main menu, not that menu again
        if picked or dialog is None or current.state is None or dialog.name in (self.entry(ctx), HELP):
            return await self.begin(ctx, self.entry(ctx), turn, before=(help_reply,))
        step = await dialog.reprompt(ctx, current.state)
        return await self.finish(ctx, dialog, step, turn, before=(help_reply,))

    async def not_understood(self, ctx: Context, current: DialogState, turn: Turn) -> Outcome:
        """A clarifying question on chat channels when NLU had guesses; else "choose from the list" again."""
        if ctx.is_chat and turn.parse is not None and not current.awaiting and turn.choice_id is None:
            options = self.suggestions(ctx, turn) or (HELP,)
            ctx.slots = {"options": list(options)}
            return await self.finish(ctx, self.dialogs[CLARIFY], await self.dialogs[CLARIFY].begin(ctx, turn), turn)
        dialog = self.dialogs.get(current.dialog or "")
        sorry = Reply(ctx.t("common.not_understood"))
        if dialog is None or current.state is None:
            return await self.begin(ctx, self.entry(ctx), turn, before=(sorry,))
        return await self.finish(ctx, dialog, await dialog.reprompt(ctx, current.state), turn, before=(sorry,))

    def suggestions(self, ctx: Context, turn: Turn, limit: int = 3) -> tuple[str, ...]:
        """Dialogs the runner-up intents would start, best first (what "did you mean" offers)."""
        out: list[str] = []
        for intent, score in turn.parse.ranking if turn.parse else ():
            if score < 0.05:
                break
            for d in self.order:
                if intent in d.intents and d.menu_label and self.allowed(ctx, d) and d.name not in out:
                    out.append(d.name)
                    break
            if len(out) == limit:
                break
        return tuple(out)

    async def begin(self, ctx: Context, name: str, turn: Turn, before: tuple[Reply, ...] = ()) -> Outcome:
        dialog = self.dialogs[name]
        if not self.allowed(ctx, dialog):
            dialog = self.dialogs[self.entry(ctx)]
        if dialog.name != CLARIFY:
            ctx.slots = {}
        return await self.finish(ctx, dialog, await dialog.begin(ctx, turn), turn, before)

    async def finish(
        self, ctx: Context, dialog: Dialog, step: Step, turn: Turn, before: tuple[Reply, ...] = ()
    ) -> Outcome:
        """Follow switches to other dialogs, then work out the state to save from the last reply."""
        replies = [*before, *step.replies]
        for _ in range(MAX_SWITCHES):
            if step.switch_to is None:
                break
            dialog = self.dialogs[step.switch_to]
            if not self.allowed(ctx, dialog):
                dialog = self.dialogs[self.entry(ctx)]
            ctx.slots = {}
            step = await dialog.begin(ctx, turn)
            replies.extend(step.replies)
        else:
            raise RuntimeError(f"dialogs switched more than {MAX_SWITCHES} times")
        final = self.decorate(ctx, tuple(replies))
        return Outcome(state_after(dialog.name, step.state, ctx.slots, final), final)

    def decorate(self, ctx: Context, replies: tuple[Reply, ...]) -> tuple[Reply, ...]:
        """A finished journey says how to go on: a Menu button on chat, a hint on SMS, END on USSD."""
        if not replies or not replies[-1].final or ctx.effects.opted_out or ctx.effects.handoff_opened:
            return replies
        last = replies[-1]
        if ctx.channel in CHAT_BUTTON_CHANNELS and not last.choices:
            last = replace(last, choices=(Choice(id=Command.MENU.value, title=ctx.t("common.menu_button")),))
        elif ctx.channel is Channel.SMS:
            last = replace(last, text=f"{last.text}\n{ctx.t('common.end_hint')}")
        return (*replies[:-1], last)
