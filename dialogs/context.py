"""What a dialog step knows and may change: who is talking, in which language, on which channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.db.database import Database
from core.identity.ratelimit import RateLimiter
from core.settings import Settings
from dialogs.i18n import Translator, format_day, format_money
from dialogs.vocabulary import Channel

# Chat channels show free text, buttons and links; USSD and SMS answer choices by number first.
CHAT_CHANNELS = frozenset({Channel.WHATSAPP, Channel.TELEGRAM, Channel.APP})
LINK_CHANNELS = frozenset({Channel.WHATSAPP, Channel.TELEGRAM, Channel.APP, Channel.SMS})


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member as the bot knows them: one SACCO membership of the phone."""

    organization_id: int
    member_id: int
    first_name: str
    full_name: str
    organization_name: str
    currency: str = "RWF"
    merchant_code: str | None = None
    language: str = "rw"  # the member's preference on that SACCO's record


@dataclass(slots=True)
class Effects:
    """Changes to the conversation a step asks for; the router applies them when it saves the state."""

    language: str | None = None
    opted_out: bool | None = None
    member: MemberRef | None = None  # the SACCO chosen when the phone is in two
    handoff_opened: bool = False  # the member now talks to a person: no "menu" prompt after this


@dataclass(slots=True)
class Context:
    """One turn's working context; `slots` is the current journey's memory, persisted between turns."""

    db: Database
    settings: Settings
    channel: Channel
    language: str
    now: datetime
    conversation_id: int
    conversation_key: str
    phone: str | None
    member: MemberRef | None
    candidates: tuple[MemberRef, ...] = ()
    slots: dict[str, Any] = field(default_factory=dict)
    effects: Effects = field(default_factory=Effects)
    rate_limiter: RateLimiter | None = None  # one-time codes: send limits per phone
    t: Translator = field(init=False)

    def __post_init__(self) -> None:
        self.t = Translator(self.language)

    @property
    def is_chat(self) -> bool:
        return self.channel in CHAT_CHANNELS

    @property
    def shows_links(self) -> bool:
        return self.channel in LINK_CHANNELS

    @property
    def needs_sacco_choice(self) -> bool:
        return self.member is None and len(self.candidates) > 1

    def require_member(self) -> MemberRef:
        """The member; journeys for members are only started when one is known (the engine checks)."""
        if self.member is None:
            raise LookupError("this journey needs a recognised member")
        return self.member

    def set_language(self, language: str) -> None:
        self.language = language
        self.t = Translator(language)
        self.effects.language = language

    def choose_member(self, member: MemberRef) -> None:
        self.member = member
        self.effects.member = member

    def money(self, amount: int, currency: str | None = None) -> str:
        cur = currency or (self.member.currency if self.member else "RWF")
        return format_money(amount, cur, self.language)

    def day(self, value: date) -> str:
        return format_day(value, self.language)

    def tenant(self) -> Any:
        """A transaction in the member's SACCO (row-level security scoped to it)."""
        return self.db.tenant(self.require_member().organization_id)
