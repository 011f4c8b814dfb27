"""Server-side console sessions: a random cookie token, its HMAC in a row, idle and absolute timeouts.

A session starts "pending" after the password (only the second-factor pages accept it, for 10 minutes)
and is replaced by a new one with a new token once the second factor passes: the id rotates at sign-in,
at a change of scope, and a role change ends the user's sessions. Each carries its own CSRF token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.crypto.keys import keyed_hash
from core.db.database import Database
from core.identity.context import ClientInfo
from core.identity.keys import IdentityKeys
from core.identity.models import StaffUser
from core.identity.permissions import StaffPrincipal
from core.identity.roles import StaffRole
from core.identity.staff_models import StaffSession

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
PENDING_TIMEOUT = timedelta(minutes=10)
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class StaffSessionView:
    session_id: int
    staff_user_id: int
    organization_id: int | None  # the user's own organization (None: platform admin)
    active_organization_id: int | None  # the organization a platform admin chose to act in
    role: StaffRole
    email: str
    full_name: str
    mfa_verified: bool
    mfa_enrolled: bool
    csrf_token: str = field(repr=False)
    expires_at: datetime | None = None

    @property
    def principal(self) -> StaffPrincipal:
        acting = self.organization_id if self.organization_id is not None else self.active_organization_id
        return StaffPrincipal(self.staff_user_id, self.role, acting, self.email)


def _hash(keys: IdentityKeys, token: str) -> str:
    return keyed_hash(keys.staff_session, token)


def _view(row: StaffSession, user: StaffUser) -> StaffSessionView:
    return StaffSessionView(
        session_id=row.id,
        staff_user_id=user.id,
        organization_id=user.organization_id,
        active_organization_id=row.active_organization_id,
        role=StaffRole(user.role),
        email=user.email,
        full_name=user.full_name,
        mfa_verified=row.mfa_verified_at is not None,
        mfa_enrolled=user.mfa_enrolled,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at,
    )


async def open_session(
    session: AsyncSession,
    keys: IdentityKeys,
    user: StaffUser,
    *,
    mfa_verified: bool,
    client: ClientInfo,
    now: datetime,
    active_organization_id: int | None = None,
) -> tuple[str, StaffSessionView]:
    """Insert a session in the caller's transaction; returns the cookie token (only readable now)."""
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        organization_id=user.organization_id,
        staff_user_id=user.id,
        token_hash=_hash(keys, token),
        csrf_token=secrets.token_urlsafe(32),
        mfa_verified_at=now if mfa_verified else None,
        active_organization_id=active_organization_id if user.organization_id is None else None,
        last_seen_at=now,
        expires_at=now + (ABSOLUTE_TIMEOUT if mfa_verified else PENDING_TIMEOUT),
        address=client.address[:64],
        user_agent=client.user_agent[:200],
    )
    session.add(row)
    await session.flush()
    return token, _view(row, user)


async def find_session(
    session: AsyncSession, keys: IdentityKeys, token: str
) -> tuple[StaffSession, StaffUser] | None:
    """The unrevoked session row behind a token with its user, row-locked (timeouts not yet checked)."""
    found = (
        await session.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
            .where(StaffSession.token_hash == _hash(keys, token), StaffSession.revoked_at.is_(None))
            .with_for_update(of=StaffSession)
        )
    ).first()
    return None if found is None else (found[0], found[1])


def is_live(row: StaffSession, user: StaffUser, now: datetime) -> bool:
    return user.status == "active" and row.expires_at > now and row.last_seen_at + IDLE_TIMEOUT > now


async def load_session(
    db: Database, keys: IdentityKeys, token: str | None, *, now: datetime | None = None
) -> StaffSessionView | None:
    """The live session for a cookie token, or None (unknown, revoked, idle 30 min, past 12 h).

    Runs in the system scope: authentication comes before we know the organization. Touches last_seen_at.
    """
    if not token or len(token) > 128:
        return None
    now = now or datetime.now(UTC)
    async with db.system() as session:
        found = await find_session(session, keys, token)
        if found is None:
            return None
        row, user = found
        if not is_live(row, user, now):
            row.revoked_at = now
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            row.last_seen_at = now
        return _view(row, user)


async def rotate_session(
    db: Database,
    keys: IdentityKeys,
    token: str,
    *,
    client: ClientInfo,
    now: datetime | None = None,
    active_organization_id: int | None = None,
) -> tuple[str, StaffSessionView] | None:
    """Replace a live full session by a new one (new token, new CSRF token), e.g. on a change of scope."""
    now = now or datetime.now(UTC)
    async with db.system() as session:
        found = await find_session(session, keys, token)
        if found is None or not is_live(found[0], found[1], now) or found[0].mfa_verified_at is None:
            return None
        row, user = found
        row.revoked_at = now
        new_token, view = await open_session(
            session,
            keys,
            user,
            mfa_verified=True,
            client=client,
            now=now,
            active_organization_id=active_organization_id,
        )
        # Rotation must not extend the absolute limit of the sign-in.
        new_row = await session.get(StaffSession, view.session_id)
        assert new_row is not None
        new_row.expires_at = row.expires_at
        return new_token, view


async def end_session(
    db: Database, keys: IdentityKeys, token: str | None, *, now: datetime | None = None
) -> int | None:
    """Revoke the session behind a cookie token; returns the staff user id it belonged to (or None)."""
    if not token:
        return None
    async with db.system() as session:
        found = await find_session(session, keys, token)
        if found is None:
            return None
        found[0].revoked_at = now or datetime.now(UTC)
        return found[1].id


async def end_user_sessions(
    session: AsyncSession, *, staff_user_id: int, now: datetime, keep_session_id: int | None = None
) -> int:
    """Revoke every live session of a user (role change, new authenticator, "sign out other sessions")."""
    stmt = update(StaffSession).where(
        StaffSession.staff_user_id == staff_user_id, StaffSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        stmt = stmt.where(StaffSession.id != keep_session_id)
    result = await session.execute(stmt.values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)
