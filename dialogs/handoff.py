"""Talk to a person: a short reason, then the conversation goes to the SACCO's support inbox until closed."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from core.conversations.handoffs import open_handoff
from dialogs.context import Context
from dialogs.engine import HANDOFF, Audience, Dialog, Step, Turn
from dialogs.vocabulary import Channel, Prompt, Reply

MIN_REASON = 2


class Handoff(Dialog):
    name = HANDOFF
    intents: ClassVar[frozenset[str]] = frozenset({"talk_to_agent"})
    menu_label = "menu.agent"
    audience = Audience.ANYONE

    class State(StrEnum):
        ASK_REASON = "ask_reason"

    async def begin(self, ctx: Context, turn: Turn) -> Step:
        if ctx.member is None:
            return Step.go("guest_info", Reply(ctx.t("handoff.guest")))
        return Step.ask(self.State.ASK_REASON, Prompt(ctx.t("handoff.ask_reason")))

    async def handle(self, ctx: Context, state: str, turn: Turn) -> Step | None:
        reason = (turn.text or "").strip()
        if len(reason) < MIN_REASON:
            return Step.ask(state, Prompt(f"{ctx.t('handoff.reason_too_short')}\n{ctx.t('handoff.ask_reason')}"))
        member = ctx.require_member()
        # Agent replies travel by SMS when the member asked from USSD (a USSD session cannot receive them).
        channel = Channel.SMS if ctx.channel is Channel.USSD else ctx.channel
        async with ctx.tenant() as session:
            await open_handoff(
                session,
                organization_id=member.organization_id,
                conversation_id=ctx.conversation_id,
                member_id=member.member_id,
                phone=ctx.phone,
                reason=reason,
                channel=channel.value,
                language=ctx.language,
            )
        ctx.effects.handoff_opened = True
        key = "handoff.opened_ussd" if ctx.channel is Channel.USSD else "handoff.opened"
        return Step.end(Reply(ctx.t(key, sacco=member.organization_name)))
