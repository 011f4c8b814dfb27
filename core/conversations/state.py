"""Load and save a conversation's state: one row per phone (or chat id), shared by every channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.conversations.models import Conversation
from core.members.models import Member
from core.phones import try_normalise_phone


def conversation_key(channel: str, sender: str) -> tuple[str, str | None]:
    """The key a conversation is stored under and the E.164 phone when the sender is one.

    A phone is the same conversation on every channel; a chat id the channel could not tie to a phone
    (Telegram before the member shares their contact) is its own conversation, `telegram:<id>`.
    """
    phone = try_normalise_phone(sender)
    if phone is not None:
        return phone, phone
    return f"{channel}:{sender.strip()}"[:80], None


async def load_conversation(session: AsyncSession, *, key: str, phone: str | None, channel: str) -> Conversation:
    """The conversation for `key`, created on first contact; row-locked for the rest of the transaction."""
    await session.execute(
        insert(Conversation)
        .values(key=key, phone=phone, channel=channel, slots={}, choices=[], awaiting=False)
        .on_conflict_do_nothing(index_elements=[Conversation.key])
    )
    row = await session.execute(
        select(Conversation).where(Conversation.key == key).with_for_update().execution_options(populate_existing=True)
    )
    return row.scalar_one()


def is_idle(conversation: Conversation, now: datetime, idle_minutes: int) -> bool:
    """True when the journey in progress is older than the idle limit and should start over."""
    return conversation.updated_at < now - timedelta(minutes=idle_minutes)


def save_state(
    conversation: Conversation,
    *,
    dialog: str | None,
    state: str | None,
    slots: Mapping[str, Any],
    choices: Sequence[str],
    awaiting: bool,
    channel: str,
    now: datetime,
) -> None:
    """Write where the journey stands onto the (locked) row; the caller's transaction commits it."""
    conversation.dialog = dialog
    conversation.state = state
    conversation.slots = dict(slots)
    conversation.choices = list(choices)
    conversation.awaiting = awaiting
    conversation.channel = channel
    conversation.updated_at = now


def clear_state(conversation: Conversation, now: datetime) -> None:
    """Forget the journey in progress (idle expiry, a hand-off closing); preferences stay."""
    save_state(
        conversation, dialog=None, state=None, slots={}, choices=(), awaiting=False,
        channel=conversation.channel, now=now,
    )


def remember_member(conversation: Conversation, *, organization_id: int, member_id: int) -> None:
    """Which SACCO and member this phone talks as (asked once when the phone is in two SACCOs)."""
    conversation.organization_id = organization_id
    conversation.member_id = member_id


async def set_language(session: AsyncSession, conversation: Conversation, language: str) -> None:
    """The member's language for the bot, kept on the conversation and on the member row."""
    conversation.language = language
    if conversation.member_id is not None:
        await session.execute(update(Member).where(Member.id == conversation.member_id).values(language=language))


async def set_opted_out(session: AsyncSession, conversation: Conversation, *, opted_out: bool, now: datetime) -> None:
    """STOP / START: the phone gets no bot messages while opted out (member rows of that phone too).

    Needs a scope that sees every member row of the phone (the router's system scope).
    """
    at = now if opted_out else None
    conversation.opted_out_at = at
    if conversation.phone is not None:
        await session.execute(update(Member).where(Member.phone == conversation.phone).values(opted_out_at=at))
