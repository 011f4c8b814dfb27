"""Channel identities: last inbound time per address (WhatsApp's 24 h window), SMS opt-out, Telegram links,
and the member's preferred channel for messages nobody asked for (OTP, reminders, agent replies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.messaging.models import ChannelIdentity
from core.messaging.outbox import ReplyLike, enqueue_replies

SERVICE_WINDOW = timedelta(hours=24)  # WhatsApp: free-form replies only within 24 h of the member's message
PUSH_CHANNELS = ("whatsapp", "telegram", "sms")  # USSD cannot be pushed to; its members get SMS


@dataclass(frozen=True, slots=True)
class Route:
    """Where to deliver: a channel and that channel's recipient address."""

    channel: str
    recipient: str


async def record_inbound(
    session: AsyncSession,
    *,
    channel: str,
    address: str,
    phone: str | None,
    at: datetime | None = None,
    display_name: str | None = None,
    chat_id: str | None = None,
) -> None:
    """Remember that this address just wrote (upsert; the time only moves forward). System scope."""
    when = at or datetime.now(UTC)
    stmt = insert(ChannelIdentity).values(
        channel=channel,
        address=address,
        phone=phone,
        chat_id=chat_id,
        display_name=display_name,
        last_inbound_at=when,
    )
    excluded = stmt.excluded
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ChannelIdentity.channel, ChannelIdentity.address],
            set_={
                "last_inbound_at": func.greatest(ChannelIdentity.last_inbound_at, excluded.last_inbound_at),
                "phone": func.coalesce(ChannelIdentity.phone, excluded.phone),
                "chat_id": func.coalesce(excluded.chat_id, ChannelIdentity.chat_id),
                "display_name": func.coalesce(excluded.display_name, ChannelIdentity.display_name),
                "updated_at": func.now(),
            },
        )
    )


async def identity(session: AsyncSession, channel: str, address: str) -> ChannelIdentity | None:
    row = await session.execute(
        select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.address == address)
    )
    return row.scalar_one_or_none()


async def link_phone(
    session: AsyncSession, *, channel: str, address: str, phone: str, chat_id: str | None
) -> None:
    """Bind a chat address to a verified phone (Telegram: the member shared their own contact)."""
    now = datetime.now(UTC)
    stmt = insert(ChannelIdentity).values(
        channel=channel, address=address, phone=phone, chat_id=chat_id, linked_at=now, last_inbound_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ChannelIdentity.channel, ChannelIdentity.address],
            set_={
                "phone": phone,
                "linked_at": now,
                "chat_id": func.coalesce(stmt.excluded.chat_id, ChannelIdentity.chat_id),
                "updated_at": now,
            },
        )
    )


async def set_opted_out(session: AsyncSession, *, channel: str, address: str, opted_out: bool) -> None:
    """SMS STOP / START. The address row is created when missing."""
    value = datetime.now(UTC) if opted_out else None
    stmt = insert(ChannelIdentity).values(channel=channel, address=address, phone=address, opted_out_at=value)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ChannelIdentity.channel, ChannelIdentity.address],
            set_={"opted_out_at": value, "updated_at": func.now()},
        )
    )


async def is_opted_out(session: AsyncSession, channel: str, address: str) -> bool:
    row = await identity(session, channel, address)
    return row is not None and row.opted_out_at is not None


async def window_open(session: AsyncSession, channel: str, address: str, now: datetime | None = None) -> bool:
    """Whether the member wrote on this channel within the last 24 hours (WhatsApp service window)."""
    row = await identity(session, channel, address)
    if row is None or row.last_inbound_at is None:
        return False
    return (now or datetime.now(UTC)) - row.last_inbound_at < SERVICE_WINDOW


async def preferred_route(session: AsyncSession, phone: str, *, has_otp: bool = False) -> Route:
    """The member's last-used channel that can reach them now: WhatsApp while its 24 h window is open (or
    for a one-time code, which has a template), a linked Telegram chat, else SMS to the phone."""
    rows = await session.execute(
        select(ChannelIdentity)
        .where(ChannelIdentity.phone == phone, ChannelIdentity.channel.in_(PUSH_CHANNELS))
        .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last())
    )
    now = datetime.now(UTC)
    for row in rows.scalars():
        if row.channel == "whatsapp":
            recent = row.last_inbound_at is not None and now - row.last_inbound_at < SERVICE_WINDOW
            if recent or has_otp:
                return Route("whatsapp", phone)
        elif row.channel == "telegram" and row.linked_at is not None and row.chat_id:
            return Route("telegram", row.chat_id)
        elif row.channel == "sms" and row.opted_out_at is None:
            return Route("sms", phone)
    return Route("sms", phone)


async def enqueue_for_member(
    session: AsyncSession,
    *,
    organization_id: int | None,
    member_id: int | None,
    phone: str,
    replies: Sequence[ReplyLike],
    source: str,
    channel: str | None = None,
) -> list[int]:
    """Deliver on the member's preferred (or the given) channel: OTP codes, agent replies, reminders.
    Needs the system scope to read channel identities (they span organizations)."""
    route = (
        Route(channel, phone)
        if channel and channel != "telegram"
        else await preferred_route(session, phone, has_otp=any(r.otp for r in replies))
    )
    return await enqueue_replies(
        session,
        organization_id=organization_id,
        member_id=member_id,
        channel=route.channel,
        recipient=route.recipient,
        replies=replies,
        source=source,
    )
