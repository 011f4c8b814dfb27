"""What staff see of their organization's outbound messages (the outbox): filtered, newest first, paged by id,
with counts by status, and a failed message sent again. Answers the support question "did the member get it?"
without the command line, and never shows a one-time code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import Conflict, InvalidInput, NotFound
from core.messaging.models import OutboxMessage
from core.messaging.outbox import new_batch, notify_queued
from core.messaging.status import DeliveryStatus

PAGE = 50
STATUSES = tuple(s.value for s in DeliveryStatus)
CHANNELS = ("whatsapp", "sms", "telegram")
SOURCES = ("reply", "otp", "agent", "reminder", "system")
COUNTED_OVER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class MessageFilter:
    status: str = ""
    channel: str = ""
    source: str = ""
    recipient: str = ""  # E.164 or a Telegram chat id, exactly

    def __post_init__(self) -> None:
        for value, allowed, what in ((self.status, STATUSES, "status"), (self.channel, CHANNELS, "channel"),
                                     (self.source, SOURCES, "source")):  # fmt: skip
            if value and value not in allowed:
                raise InvalidInput(f"{what} is one of {', '.join(allowed)}")


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: tuple[OutboxMessage, ...]
    next_before_id: int | None


def carries_code(message: OutboxMessage) -> bool:
    """A one-time code is the member's alone: staff see that one was sent, never its text."""
    return message.source == "otp" or bool((message.payload or {}).get("otp"))


async def delivery_page(session: AsyncSession, organization_id: int, f: MessageFilter, *,
                        before_id: int | None = None, limit: int = PAGE) -> MessagePage:  # fmt: skip
    query = select(OutboxMessage).where(OutboxMessage.organization_id == organization_id)
    if f.status:
        query = query.where(OutboxMessage.status == f.status)
    if f.channel:
        query = query.where(OutboxMessage.channel == f.channel)
    if f.source:
        query = query.where(OutboxMessage.source == f.source)
    if f.recipient:
        query = query.where(OutboxMessage.recipient == f.recipient)
    if before_id is not None:
        query = query.where(OutboxMessage.id < before_id)
    rows = list((await session.execute(query.order_by(OutboxMessage.id.desc()).limit(limit + 1))).scalars())
    return MessagePage(tuple(rows[:limit]), rows[limit - 1].id if len(rows) > limit else None)


async def status_counts(session: AsyncSession, organization_id: int) -> dict[str, int]:
    """How the last 24 hours' messages stand, every status present (zero included)."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.organization_id == organization_id,
               OutboxMessage.created_at >= func.now() - COUNTED_OVER)
        .group_by(OutboxMessage.status)
    )  # fmt: skip
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in rows.all()})
    return counts


async def send_again(session: AsyncSession, organization_id: int, message_id: int, *, actor: Actor,
                     request_id: str | None = None) -> int:  # fmt: skip
    """Queue a copy of a failed message to the same recipient on the same channel; returns its id.
    The delivery path applies its rules again (an SMS opt-out still stops it). Not for one-time codes:
    a code has expired by the time staff look, and the member asks for a new one."""
    failed = await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.organization_id == organization_id)
        .with_for_update()
    )
    if failed is None:
        raise NotFound("There is no such message.")
    if failed.status != DeliveryStatus.FAILED:
        raise Conflict("Only a failed message can be sent again.")
    if carries_code(failed):
        raise Conflict("A one-time code has expired: the member asks for a new one.")
    payload: dict[str, Any] = dict(failed.payload or {})
    payload["meta"] = {**payload.get("meta", {}), "resend_of": str(failed.id)}
    copy = OutboxMessage(
        organization_id=organization_id, member_id=failed.member_id, channel=failed.channel,
        recipient=failed.recipient, batch=new_batch(), position=0, source=failed.source, text=failed.text,
        choices=failed.choices, payload=payload, status=DeliveryStatus.QUEUED.value, provider_message_ids=[],
        attempts=0,
    )  # fmt: skip
    session.add(copy)
    await session.flush()
    await notify_queued(session, copy.batch)
    await record(
        session, organization_id=organization_id, actor=actor, action="message.sent_again",
        object_type="outbox_message", object_id=copy.id,
        details={"resend_of": failed.id, "channel": failed.channel, "error": failed.error},
        request_id=request_id,
    )  # fmt: skip
    return copy.id
