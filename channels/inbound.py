"""The path every chat channel shares after parsing: de-duplicate, remember the sender, ask the injected
handler, queue its replies in the outbox and schedule their delivery."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelContext
from core.errors import DomainError
from core.members.service import members_by_phone
from core.messaging.identities import record_inbound
from core.messaging.outbox import enqueue_replies
from dialogs.vocabulary import Channel, Inbound, Reply

log = logging.getLogger("channels.inbound")


@dataclass(frozen=True, slots=True)
class Arrival:
    """A parsed inbound message plus where it came from and where answers go."""

    inbound: Inbound
    provider: str  # de-duplication namespace: whatsapp, twilio, telegram
    key: str  # the provider's message id
    address: str  # the channel identity (wa_id, E.164, Telegram user id)
    recipient: str  # where replies are sent (E.164, Telegram chat id)
    phone: str | None  # E.164 when known
    chat_id: str | None = None


async def handle_arrival(
    ctx: ChannelContext,
    arrival: Arrival,
    *,
    deduplicated: bool = False,
    retry: bool = False,
    source: str = "reply",
    fallback: Sequence[Reply] = (),
) -> list[int]:
    """Process one inbound message at most once; returns the outbox ids of the replies. `deduplicated`:
    the adapter already claimed the key (it had side effects of its own to guard). `retry`: an earlier
    attempt may have claimed the key before it died, so a claimed key does not stop this one (the turn skips
    a message it has saved). `fallback` is sent when the handler has nothing to say."""
    if not deduplicated and not await claimed_now(ctx, arrival.provider, arrival.key, retry=retry):
        return []
    inbound = arrival.inbound
    async with ctx.db.system() as session:
        await record_inbound(
            session,
            channel=inbound.channel.value,
            address=arrival.address,
            phone=arrival.phone,
            at=inbound.received_at,
            display_name=inbound.profile_name,
            chat_id=arrival.chat_id,
        )
    replies = list(await ctx.handler(inbound)) or list(fallback)
    return await queue_replies(
        ctx,
        channel=inbound.channel,
        recipient=arrival.recipient,
        phone=arrival.phone,
        replies=replies,
        source=source,
        reply_to=answering(arrival.provider, arrival.key),
    )


def answering(provider: str, key: str) -> str:
    """The outbox's name for the inbound message replies answer (OutboxMessage.reply_to)."""
    return f"{provider}:{key}"


async def claimed_now(ctx: ChannelContext, provider: str, key: str, *, retry: bool = False) -> bool:
    """Claim a provider event's de-duplication key; False (logged) when it was claimed before, unless this is
    a retry of the work that claimed it (the key is still claimed, so later redeliveries stay duplicates)."""
    if await ctx.dedup.first_time(provider, key) or retry:
        return True
    log.info("duplicate %s event %s ignored", provider, key)
    return False


async def queue_replies(
    ctx: ChannelContext,
    *,
    channel: Channel,
    recipient: str,
    phone: str | None,
    replies: Sequence[Reply],
    source: str = "reply",
    reply_to: str | None = None,
) -> list[int]:
    """Record replies in the outbox (with the member's organization when the phone is a member's) and
    schedule their delivery once committed. `reply_to` (provider:message id) queues them once per inbound
    message, however often its work is retried."""
    if not replies:
        return []
    async with ctx.db.system() as session:
        organization_id, member_id = await _member_of(session, phone, replies)
        ids = await enqueue_replies(
            session,
            organization_id=organization_id,
            member_id=member_id,
            channel=channel.value,
            recipient=recipient,
            replies=replies,
            source=source,
            dispatched=True,
            reply_to=reply_to,
        )
    if ids:
        ctx.schedule(ids)
    return ids


async def _member_of(
    session: AsyncSession, phone: str | None, replies: Sequence[Reply]
) -> tuple[int | None, int | None]:
    """The router may name the member in Reply.meta; otherwise the phone's first membership, if any."""
    for reply in replies:
        org, member = reply.meta.get("organization_id"), reply.meta.get("member_id")
        if org and org.isdigit():
            return int(org), int(member) if member and member.isdigit() else None
    if not phone:
        return None, None
    try:
        members = await members_by_phone(session, phone)
    except DomainError:  # not a phone number a member could have
        return None, None
    return (members[0].organization_id, members[0].id) if members else (None, None)
