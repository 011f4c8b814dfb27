"""Messaging tables: the outbox, processed webhooks (de-duplication), channel identities, USSD sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin


class OutboxMessage(IdMixin, CreatedAtMixin, Base):
    """One reply the bot (or an agent, or a reminder) wants delivered to one recipient on one channel.

    Rows enqueued together share a `batch` and are rendered together (a WhatsApp menu after its text is
    one message). `organization_id` is NULL for an unknown number: row-level security then shows the row
    only in the system scope. Status only moves forward (see core.messaging.status). `reply_to` names the
    inbound message a reply answers (provider:message id): a retried inbound queues each reply once.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index(None, "batch", "position"),
        Index(None, "channel", "recipient", "id"),
        Index("ix_outbox_messages_undispatched", "id", postgresql_where=text("status = 'queued'")),
        Index("ix_outbox_messages_provider_ids", "provider_message_ids", postgresql_using="gin"),
        Index("ix_outbox_messages_organization_newest", "organization_id", "id"),  # the console's Messages
        Index("ix_outbox_messages_created_brin", "created_at", postgresql_using="brin"),  # "the last day"
        Index(
            "uq_outbox_messages_reply",
            "reply_to",
            "position",
            unique=True,
            postgresql_where=text("reply_to IS NOT NULL"),
        ),
    )

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))  # E.164 (sms, whatsapp) or a chat id (telegram)
    batch: Mapped[str] = mapped_column(String(32))
    reply_to: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    source: Mapped[str] = mapped_column(String(16), default="reply")  # reply, otp, agent, reminder, system
    text: Mapped[str] = mapped_column(Text, default="")
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)  # link, otp, final, flags, meta
    status: Mapped[str] = mapped_column(String(16), default="queued")
    provider: Mapped[str | None] = mapped_column(String(16))  # whatsapp, twilio, telegram, sandbox
    provider_message_ids: Mapped[list[str]] = mapped_column(ARRAY(String(128)), default=list)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    dispatched_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ProcessedWebhook(Base):
    """A provider event already handled: (provider, key) is unique, so a redelivery inserts nothing."""

    __tablename__ = "processed_webhooks"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)


class ChannelIdentity(IdMixin, CreatedAtMixin, Base):
    """Who an address on a channel is: a WhatsApp wa_id, an SMS number, a Telegram user linked to a phone.

    Cross-organization (a phone may belong to members of several SACCOs), so system scope only. Holds the
    last inbound time (WhatsApp's 24-hour window, the member's last-used channel) and SMS opt-out.
    """

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))  # wa_id / E.164 / Telegram user id
    phone: Mapped[str | None] = mapped_column(String(16), index=True)  # E.164 once known
    chat_id: Mapped[str | None] = mapped_column(String(64))  # where to send (Telegram chat id)
    display_name: Mapped[str | None] = mapped_column(String(200))
    linked_at: Mapped[datetime | None]  # Telegram: the member shared their own contact
    last_inbound_at: Mapped[datetime | None]
    opted_out_at: Mapped[datetime | None]  # SMS STOP
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class UssdSessionRecord(Base):
    """A USSD session's mechanics (last screen, page, consumed input) when Redis is not configured."""

    __tablename__ = "ussd_sessions"

    session_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    hops: Mapped[int] = mapped_column(BigInteger, default=0)


class WebhookInboxItem(IdMixin, Base):
    """A chat webhook's verified payload, stored before the provider is told 200 (migration 0015): the
    message survives the process that acknowledged it. `claimed_until`: a process is working it until then;
    `done_at` once worked; `failed_at` when given up after repeated errors (kept, with the last error)."""

    __tablename__ = "webhook_inbox"
    __table_args__ = (
        Index("ix_webhook_inbox_open", "id", postgresql_where=text("done_at IS NULL AND failed_at IS NULL")),
    )

    provider: Mapped[str] = mapped_column(String(16))  # whatsapp, telegram, twilio
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    done_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
