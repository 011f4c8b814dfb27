"""Member sessions for the PWA/API: 15-minute JWT access tokens and rotating 30-day refresh tokens.

A refresh token is opaque ("rt1.<org>.<random>"), stored as an HMAC, and single-use: each refresh returns
a new pair. Presenting a used one means it was copied, so the whole family (that sign-in) is revoked.
Each call owns its transaction, so a revocation is committed even though the call then raises.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select, update

from core.audit.service import Actor, record
from core.crypto.keys import keyed_hash
from core.db.database import Database
from core.identity.context import ClientInfo
from core.identity.errors import InvalidToken, RefreshTokenReused
from core.identity.keys import IdentityKeys
from core.identity.member_models import MemberRefreshToken, MemberTokenFamily

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
ALGORITHM = "HS256"
_PREFIX = "rt1"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime
    family_id: str


@dataclass(frozen=True, slots=True)
class MemberClaims:
    """Who an access token speaks for; `family_id` is the sign-in it belongs to."""

    member_id: int
    organization_id: int
    family_id: str
    token_id: str
    expires_at: datetime


def _hash(keys: IdentityKeys, token: str) -> str:
    return keyed_hash(keys.refresh_token, token)


def _org_of(token: str) -> int:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _PREFIX or not parts[1].isdecimal():
        raise InvalidToken()
    return int(parts[1])


def _access_token(
    keys: IdentityKeys, *, member_id: int, organization_id: int, family_id: str, now: datetime
) -> tuple[str, datetime]:
    expires = now + ACCESS_TTL
    claims: dict[str, Any] = {
        "iss": keys.issuer,
        "aud": keys.audience,
        "sub": str(member_id),
        "org": organization_id,
        "sid": family_id,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, keys.access_token, algorithm=ALGORITHM, headers={"typ": "at+jwt"}), expires


async def _new_pair(
    session: Any, keys: IdentityKeys, *, organization_id: int, member_id: int, family_id: str, now: datetime
) -> TokenPair:
    refresh = f"{_PREFIX}.{organization_id}.{secrets.token_urlsafe(32)}"
    session.add(
        MemberRefreshToken(
            organization_id=organization_id,
            family_id=family_id,
            token_hash=_hash(keys, refresh),
            expires_at=now + REFRESH_TTL,
        )
    )
    access, access_expires = _access_token(
        keys, member_id=member_id, organization_id=organization_id, family_id=family_id, now=now
    )
    return TokenPair(access, refresh, access_expires, now + REFRESH_TTL, family_id)


async def start_session(
    db: Database,
    keys: IdentityKeys,
    *,
    organization_id: int,
    member_id: int,
    client: ClientInfo | None = None,
    now: datetime | None = None,
) -> TokenPair:
    """Open a sign-in for a member whose one-time code was just verified (call only after verify_code)."""
    now = now or datetime.now(UTC)
    family_id = uuid.uuid4().hex
    async with db.tenant(organization_id) as session:
        session.add(MemberTokenFamily(id=family_id, organization_id=organization_id, member_id=member_id))
        await session.flush()
        pair = await _new_pair(
            session, keys, organization_id=organization_id, member_id=member_id, family_id=family_id, now=now
        )
        await record(
            session,
            organization_id=organization_id,
            actor=Actor.member(member_id),
            action="member.login",
            object_type="member",
            object_id=member_id,
            details={"session": family_id, "address": client.address if client else None},
            request_id=client.request_id if client else None,
        )
        return pair


def decode_access_token(keys: IdentityKeys, token: str, *, now: datetime | None = None) -> MemberClaims:
    """Check signature, algorithm, issuer, audience and expiry; raises InvalidToken. No database."""
    try:
        claims = jwt.decode(
            token,
            keys.access_token,
            algorithms=[ALGORITHM],
            audience=keys.audience,
            issuer=keys.issuer,
            leeway=5,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "org", "sid", "jti"]},
        )
        if now is not None and claims["exp"] < int(now.timestamp()):
            raise InvalidToken()
        return MemberClaims(
            member_id=int(claims["sub"]),
            organization_id=int(claims["org"]),
            family_id=str(claims["sid"]),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken() from exc


async def authenticate_access_token(db: Database, keys: IdentityKeys, token: str) -> MemberClaims:
    """decode_access_token plus a check that the sign-in was not revoked (logout takes effect at once)."""
    claims = decode_access_token(keys, token)
    async with db.tenant(claims.organization_id) as session:
        revoked = (
            await session.execute(
                select(MemberTokenFamily.revoked_at).where(
                    MemberTokenFamily.id == claims.family_id, MemberTokenFamily.member_id == claims.member_id
                )
            )
        ).first()
    if revoked is None or revoked[0] is not None:
        raise InvalidToken()
    return claims


async def refresh_session(
    db: Database, keys: IdentityKeys, refresh_token: str, *, now: datetime | None = None
) -> TokenPair:
    """Trade a refresh token for a new pair; the old one is spent.

    Raises InvalidToken (unknown, expired, revoked) and RefreshTokenReused when a spent token returns:
    then the whole family is revoked (committed) so neither the thief nor the member keeps access.
    """
    org = _org_of(refresh_token)
    now = now or datetime.now(UTC)
    failure: InvalidToken | None = None
    pair: TokenPair | None = None
    async with db.tenant(org) as session:
        found = (
            await session.execute(
                select(MemberRefreshToken, MemberTokenFamily)
                .join(MemberTokenFamily, MemberTokenFamily.id == MemberRefreshToken.family_id)
                .where(MemberRefreshToken.token_hash == _hash(keys, refresh_token))
                .with_for_update()
            )
        ).first()
        if found is None:
            failure = InvalidToken()
        else:
            token, family = found
            if family.revoked_at is not None or token.expires_at <= now:
                failure = InvalidToken()
            elif token.used_at is not None:
                family.revoked_at, family.revoked_reason = now, "refresh_token_reuse"
                await record(
                    session,
                    organization_id=org,
                    actor=Actor.member(family.member_id),
                    action="member.session_token_reused",
                    object_type="member",
                    object_id=family.member_id,
                    details={"session": family.id},
                )
                failure = RefreshTokenReused()
            else:
                token.used_at = now
                pair = await _new_pair(
                    session,
                    keys,
                    organization_id=org,
                    member_id=family.member_id,
                    family_id=family.id,
                    now=now,
                )
    if failure is not None:
        raise failure
    assert pair is not None
    return pair


async def logout(
    db: Database, keys: IdentityKeys, refresh_token: str, *, now: datetime | None = None
) -> None:
    """End the sign-in this refresh token belongs to (idempotent; an unknown token is ignored)."""
    try:
        org = _org_of(refresh_token)
    except InvalidToken:
        return
    async with db.tenant(org) as session:
        family_id = (
            await session.execute(
                select(MemberRefreshToken.family_id).where(
                    MemberRefreshToken.token_hash == _hash(keys, refresh_token)
                )
            )
        ).scalar_one_or_none()
        if family_id is not None:
            await session.execute(
                update(MemberTokenFamily)
                .where(MemberTokenFamily.id == family_id, MemberTokenFamily.revoked_at.is_(None))
                .values(revoked_at=now or datetime.now(UTC), revoked_reason="logout")
            )


async def logout_everywhere(
    db: Database, *, organization_id: int, member_id: int, now: datetime | None = None
) -> int:
    """End every sign-in of the member (lost phone, "log out everywhere"); returns how many ended."""
    async with db.tenant(organization_id) as session:
        result = await session.execute(
            update(MemberTokenFamily)
            .where(
                MemberTokenFamily.organization_id == organization_id,
                MemberTokenFamily.member_id == member_id,
                MemberTokenFamily.revoked_at.is_(None),
            )
            .values(revoked_at=now or datetime.now(UTC), revoked_reason="logout_everywhere")
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        await record(
            session,
            organization_id=organization_id,
            actor=Actor.member(member_id),
            action="member.logout_everywhere",
            object_type="member",
            object_id=member_id,
            details={"sessions": count},
        )
        return count
