"""Conversation (one per phone or chat id), its transcript, and hand-offs to a person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin


class Direction(StrEnum):
    INBOUND = "in"  # the member said it
    OUTBOUND = "out"  # the bot said it
    AGENT = "agent"  # a support agent said it (console)
    SYSTEM = "system"  # a note: hand-off opened/closed


class HandoffStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Conversation(IdMixin, CreatedAtMixin, Base):
    """Who a phone is talking as, its preferences, and where its current journey stands.

    Keyed by the E.164 phone (or `channel:user-id` when a chat channel does not know the phone), never by
    channel, so a journey begun on USSD continues on WhatsApp. `organization_id` is the SACCO the phone
    talks to (remembered when a phone belongs to two); NULL for an unknown number, so row-level security
    shows it only in the system scope the router resolves identities in.
    """

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    language: Mapped[str | None] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16))  # the channel of the latest message
    dialog: Mapped[str | None] = mapped_column(String(48))
    state: Mapped[str | None] = mapped_column(String(48))
    slots: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    choices: Mapped[list[str]] = mapped_column(JSONB, default=list)  # ids of the choices last shown
    awaiting: Mapped[bool] = mapped_column(Boolean, default=False)  # a prompt waits for free text
    opted_out_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ConversationMessage(IdMixin, Base):
    """One line of the transcript the support inbox shows: what the member, the bot or an agent said."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        Index(None, "conversation_id", "id"),
        Index(
            "uq_conversation_messages_inbound_message",
            "conversation_id",
            "channel",
            "message_id",
            unique=True,
            postgresql_where=text("direction = 'in' AND message_id IS NOT NULL"),
        ),
    )

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    choice_id: Mapped[str | None] = mapped_column(String(64))
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    # a reply's link and flags as the outbox holds them (never a one-time code: only that there was one)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    message_id: Mapped[str | None] = mapped_column(String(128))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Handoff(IdMixin, Base):
    """A conversation handed to a person: open until an agent closes it and hands the member back."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index(
            "uq_handoffs_open_conversation",
            "conversation_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index(None, "organization_id", "status"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    phone: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16))  # where agent replies go (the member's latest channel)
    language: Mapped[str] = mapped_column(String(2), default="rw")
    status: Mapped[str] = mapped_column(String(8), default=HandoffStatus.OPEN)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)  # the one "passed on" reply was sent
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_member_message_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
