"""The conversation vocabulary every channel and dialog shares: Inbound, Choice, Reply, Prompt.

A channel turns a provider's request into Inbound values and renders Reply values in its richest form
(WhatsApp buttons/lists, Telegram inline keyboards, numbered SMS text, a USSD CON/END screen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"
    USSD = "ussd"
    TELEGRAM = "telegram"
    APP = "app"  # the member PWA's support messages


class InboundKind(StrEnum):
    TEXT = "text"  # free text (or a number typed as a menu answer)
    CHOICE = "choice"  # a tapped button / list row / inline keyboard key: choice_id is set
    CONTACT = "contact"  # Telegram contact shared: contact_phone is set
    SESSION_START = "session_start"  # USSD dial (empty text) or a Telegram /start
    UNSUPPORTED = "unsupported"  # image, audio, location...: gets a polite reply


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a member said, channel-neutral. `sender` is E.164 when the channel knows the phone."""

    channel: Channel
    sender: str
    text: str
    message_id: str
    received_at: datetime
    kind: InboundKind = InboundKind.TEXT
    choice_id: str | None = None
    session_id: str | None = None  # USSD session id; the channel's own thread otherwise
    channel_user_id: str | None = None  # Telegram user id, WhatsApp wa_id
    contact_phone: str | None = None
    profile_name: str | None = None
    # The channel already holds this conversation's lock for the turn (the USSD engine takes it with the
    # session load, in one round trip): the router does not take it again.
    serialized: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """An option. Always answerable by its number on text channels; `id` is stable across languages."""

    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # https://... or tel:*182*...%23
    title: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says. `choices` render as buttons/lists/keyboards or numbered lines.

    `expects_answer` marks a question awaiting free input (a Prompt); `final` ends the journey (USSD END).
    `otp` carries a one-time code so WhatsApp can use its authentication template outside the 24 h window.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    link: Link | None = None
    expects_answer: bool = False
    final: bool = False
    otp: str | None = None
    request_contact: bool = False  # Telegram: ask the member to share their phone number
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def Prompt(text: str, *, choices: tuple[Choice, ...] = ()) -> Reply:  # noqa: N802 - reads as a type
    """A question whose answer is free text (an amount, a name), optionally with suggested choices."""
    return Reply(text=text, choices=choices, expects_answer=True)


class InboundHandler(Protocol):
    """What bot/ injects into channels: one inbound in, the replies out (already persisted/locked)."""

    async def __call__(self, inbound: Inbound) -> Sequence[Reply]: ...
