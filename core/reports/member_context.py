"""A member's money at a glance for support and the console: balances, last payments, open exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.conversations.models import ConversationMessage, Direction
from core.ledger.balances import MemberGroupBalance, member_balances
from core.ledger.statements import MemberTransaction, member_recent_transactions
from core.members.models import Member
from core.payments.models import SmsMessage
from core.payments.recon_models import ExceptionStatus, PaymentException


@dataclass(frozen=True, slots=True)
class OpenExceptionLine:
    id: int
    reason: str
    amount: int | None
    currency: str | None
    received_text: str


@dataclass(frozen=True, slots=True)
class MoneyContext:
    balances: tuple[MemberGroupBalance, ...]
    recent: tuple[MemberTransaction, ...]
    open_exceptions: tuple[OpenExceptionLine, ...]


async def member_open_exceptions(
    session: AsyncSession, organization_id: int, member: Member, *, limit: int = 10
) -> list[OpenExceptionLine]:
    """Open exceptions that may be this member's: paid from their phone, or they are among the suggestions."""
    rows = await session.execute(
        select(PaymentException, SmsMessage.body)
        .join(SmsMessage, SmsMessage.id == PaymentException.sms_message_id)
        .where(
            PaymentException.organization_id == organization_id,
            PaymentException.status == ExceptionStatus.OPEN.value,
            or_(
                SmsMessage.counterparty_phone == member.phone,
                PaymentException.suggestions.contains([{"member_id": member.id}]),
            ),
        )
        .order_by(PaymentException.id.desc())
        .limit(limit)
    )
    return [OpenExceptionLine(e.id, e.reason, e.amount, e.currency, body[:160]) for e, body in rows.all()]


async def money_context(session: AsyncSession, organization_id: int, member: Member) -> MoneyContext:
    """What an agent needs before answering "where is my money?"."""
    return MoneyContext(
        tuple(await member_balances(session, organization_id, member.id)),
        tuple(await member_recent_transactions(session, organization_id, member.id, limit=5)),
        tuple(await member_open_exceptions(session, organization_id, member)),
    )


@dataclass(frozen=True, slots=True)
class MemberConversationLine:
    at: datetime
    direction: str
    channel: str
    text: str
    handoff_id: int | None


async def member_conversation(
    session: AsyncSession, organization_id: int, member_id: int, *, limit: int = 15
) -> list[MemberConversationLine]:
    """The member's latest conversation lines with the bot and agents, newest first (system notes left out)."""
    rows = await session.execute(
        select(ConversationMessage)
        .where(
            ConversationMessage.organization_id == organization_id,
            ConversationMessage.member_id == member_id,
            ConversationMessage.direction != Direction.SYSTEM,
        )
        .order_by(ConversationMessage.id.desc())
        .limit(limit)
    )
    return [
        MemberConversationLine(m.created_at, m.direction, m.channel, m.text[:300], m.handoff_id)
        for m in rows.scalars()
    ]
