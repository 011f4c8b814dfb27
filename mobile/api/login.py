"""Who a phone signs in as, and sending them their one-time code on the channel that reaches them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from core.db.database import Database
from core.errors import DomainError
from core.identity.errors import CodeExpired, RateLimited, TooManyAttempts
from core.identity.otp import CODE_TTL, MAX_WRONG_ATTEMPTS, SEND_LIMITS
from core.identity.ratelimit import Limit, RateLimiter
from core.members.models import MemberStatus
from core.members.service import members_by_phone
from core.messaging.identities import preferred_route
from core.messaging.outbox import enqueue_replies
from core.organizations.service import find_organization
from dialogs.vocabulary import Reply

SIGN_IN_STATUSES = (MemberStatus.ACTIVE, MemberStatus.PENDING)
CODE_TEXT = {
    "rw": "Kode yawe yo kwinjira muri Ibimina ni {code}. Ntuyihe undi muntu. Irarangira mu minota 5.",
    "en": "Your Ibimina sign-in code is {code}. Do not share it. It expires in 5 minutes.",
    "fr": "Votre code de connexion Ibimina est {code}. Ne le partagez pas. Il expire dans 5 minutes.",
}


UNKNOWN_MISSES = Limit(MAX_WRONG_ATTEMPTS + 1000, int(CODE_TTL.total_seconds()))


class WrongCode(DomainError):
    """The one-time code does not match (tries remain; the fifth wrong one kills the code)."""

    code = "wrong_code"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("That code is not right. Check the message and try again.")


@dataclass(frozen=True, slots=True)
class LoginTarget:
    """The member a phone signs in as: one organization's member row."""

    organization_id: int
    member_id: int
    phone: str
    language: str


async def find_login_target(db: Database, phone: str, organization: str | None) -> LoginTarget | None:
    """The member this phone signs in as, or None (unknown, left or suspended: the caller answers alike).

    A phone that is a member of several SACCOs signs in to `organization` (slug or id) when given, else to
    its oldest membership. This lookup crosses organizations by nature (no one is signed in yet), so it
    runs in the system scope and returns only ids; everything after it runs in the member's tenant scope.
    """
    async with db.system() as session:
        members = [m for m in await members_by_phone(session, phone) if m.status in SIGN_IN_STATUSES]
        if organization is not None:
            org = await find_organization(session, organization)
            members = [m for m in members if org is not None and m.organization_id == org.id]
    if not members:
        return None
    first = members[0]
    return LoginTarget(first.organization_id, first.id, first.phone, first.language)


async def code_for_unknown_phone(limiter: RateLimiter, phone: str) -> None:
    """Spend the same send budget for a phone we will not send to, so the 429s cannot tell them apart."""
    decision = await limiter.acquire("otp-send:" + phone, *SEND_LIMITS)
    if not decision.allowed:
        raise RateLimited(decision.retry_after, "codes requested")
    await limiter.clear("otp-miss:" + phone)


async def verify_for_unknown_phone(limiter: RateLimiter, phone: str) -> NoReturn:
    """Answer a guess for a phone that has no member the way a member's live code would: wrong, wrong, ...,
    too many attempts on the fifth, then no code waiting (no account enumeration through verify)."""
    decision = await limiter.add("otp-miss:" + phone, UNKNOWN_MISSES)
    if decision.count < MAX_WRONG_ATTEMPTS:
        raise WrongCode()
    if decision.count == MAX_WRONG_ATTEMPTS:
        raise TooManyAttempts()
    raise CodeExpired("No code is waiting for this number. Ask for a new one.")


async def deliver_code(db: Database, target: LoginTarget, code: str) -> None:
    """Queue the code for the member's channel (WhatsApp authentication template, Telegram, else SMS).

    The channel identities are platform rows (system scope); the outbox row is the organization's.
    """
    async with db.system() as session:
        route = await preferred_route(session, target.phone, has_otp=True)
    text = CODE_TEXT.get(target.language, CODE_TEXT["rw"]).format(code=code)
    async with db.tenant(target.organization_id) as session:
        await enqueue_replies(
            session,
            organization_id=target.organization_id,
            member_id=target.member_id,
            channel=route.channel,
            recipient=route.recipient,
            replies=[Reply(text=text, otp=code, meta={"purpose": "login"})],
            source="otp",
        )
