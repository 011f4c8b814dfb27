"""Talking to the bot in tests: a router on the test database, a member's chat, and a collecting outbox."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.conversation_locks import ConversationLocks, PostgresConversationLocks
from bot.router import Router
from core.audit.service import Actor
from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.identity.ratelimit import make_rate_limiter
from core.ledger.chart import SystemAccount, ensure_member_savings_account, system_account_id
from core.ledger.posting import post_entry
from core.ledger.types import PostingSpec
from core.members.models import Group, Member
from core.money import Money
from core.organizations.models import Organization
from core.settings import Settings
from dialogs.vocabulary import Channel, Inbound, InboundKind, Reply
from nlu.types import NluBackend

_ids = itertools.count(1)


def make_router(db: Database, settings: Settings, nlu: NluBackend | None, *,
                locks: ConversationLocks | None = None, **kw: object) -> Router:
    limiter = make_rate_limiter(db, None, IdentityKeys.from_settings(settings).rate_limit)
    return Router(db=db, settings=settings, locks=locks or PostgresConversationLocks(db), nlu=nlu,
                  rate_limiter=limiter, **kw)  # type: ignore[arg-type]


@dataclass
class CollectingOutbox:
    """Everything the bot said, in order, with what it answered."""

    exchanges: list[tuple[Inbound, list[Reply]]] = field(default_factory=list)

    def said(self) -> list[str]:
        return [r.text for _, replies in self.exchanges for r in replies]


@dataclass
class Chat:
    """One phone talking on one channel; `channel` may change mid-conversation (cross-channel)."""

    router: Router
    phone: str
    channel: Channel = Channel.WHATSAPP
    outbox: CollectingOutbox = field(default_factory=CollectingOutbox)
    last: list[Reply] = field(default_factory=list)

    def inbound(self, text: str = "", *, kind: InboundKind = InboundKind.TEXT, choice_id: str | None = None,
                channel: Channel | None = None) -> Inbound:
        n = next(_ids)
        return Inbound(
            channel=channel or self.channel, sender=self.phone, text=text, message_id=f"test-{n}",
            received_at=datetime.now(UTC), kind=kind, choice_id=choice_id,
            session_id="ussd-session" if (channel or self.channel) is Channel.USSD else None,
        )

    async def send(self, inbound: Inbound) -> list[Reply]:
        replies = list(await self.router(inbound))
        self.outbox.exchanges.append((inbound, replies))
        self.last = replies
        return replies

    async def say(self, text: str) -> list[Reply]:
        return await self.send(self.inbound(text))

    async def tap(self, choice_id: str) -> list[Reply]:
        return await self.send(self.inbound("", kind=InboundKind.CHOICE, choice_id=choice_id))

    async def start(self) -> list[Reply]:
        """A USSD dial or a Telegram /start."""
        return await self.send(self.inbound("", kind=InboundKind.SESSION_START))

    async def pick(self, pattern: str) -> list[Reply]:
        """Answer the last choices as the channel lets a person: a number on USSD/SMS, a tap on chat."""
        choices = [c for r in self.last for c in r.choices]
        for number, choice in enumerate(choices, start=1):
            if re.search(pattern, choice.title, re.I) or choice.id == pattern:
                if self.channel in (Channel.USSD, Channel.SMS):
                    return await self.say(str(number))
                return await self.tap(choice.id)
        raise AssertionError(f"no choice matching {pattern!r} in {[c.title for c in choices]}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    @property
    def titles(self) -> list[str]:
        return [c.title for r in self.last for c in r.choices]

    @property
    def ids(self) -> list[str]:
        return [c.id for r in self.last for c in r.choices]


async def add_savings(db: Database, org: Organization, member: Member, group: Group, amount: int, *,
                      days_ago: float = 0, kind: str = "contribution") -> None:
    """Credit the member's savings in a group from the MoMo collection account (a contribution)."""
    async with db.tenant(org.id) as s:
        savings = await ensure_member_savings_account(s, org.id, member.id, group.id)
        clearing = await system_account_id(s, org.id, SystemAccount.MTN_CLEARING)
        money = Money(amount, org.currency)
        await post_entry(
            s, organization_id=org.id, kind=kind,
            postings=(PostingSpec.debit(clearing, money), PostingSpec.credit(savings, money)),
            idempotency_key=f"test-saving-{next(_ids)}-{member.id}", actor=Actor.system("tests"),
            effective_at=datetime.now(UTC) - timedelta(days=days_ago), memo="test contribution",
        )


def joined(replies: Sequence[Reply]) -> str:
    return "\n".join(r.text for r in replies)
