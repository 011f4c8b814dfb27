"""Member sessions: refresh tokens rotate, a reused one revokes its whole family, logout revokes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from core.audit.models import AuditEvent
from core.db.database import Database
from core.identity.errors import InvalidToken, RefreshTokenReused
from core.identity.keys import IdentityKeys
from core.identity.member_sessions import (
    authenticate_access_token,
    logout,
    logout_everywhere,
    refresh_session,
    start_session,
)
from core.settings import Settings
from tests.support.factories import make_member, make_organization


async def _signed_in(db: Database, keys: IdentityKeys):  # type: ignore[no-untyped-def]
    org = await make_organization(db)
    member = await make_member(db, org)
    return org, member, await start_session(db, keys, organization_id=org.id, member_id=member.id)


async def test_refresh_rotates_and_the_access_token_speaks_for_the_member(
    db: Database, settings: Settings
) -> None:
    keys = IdentityKeys.from_settings(settings)
    org, member, pair = await _signed_in(db, keys)
    claims = await authenticate_access_token(db, keys, pair.access_token)
    assert (claims.member_id, claims.organization_id) == (member.id, org.id)
    assert pair.refresh_expires_at - datetime.now(UTC) > timedelta(days=29)
    second = await refresh_session(db, keys, pair.refresh_token)
    assert second.refresh_token != pair.refresh_token and second.family_id == pair.family_id
    third = await refresh_session(db, keys, second.refresh_token)
    assert (await authenticate_access_token(db, keys, third.access_token)).member_id == member.id


async def test_reusing_a_spent_refresh_token_revokes_the_family(db: Database, settings: Settings) -> None:
    keys = IdentityKeys.from_settings(settings)
    org, member, pair = await _signed_in(db, keys)
    newer = await refresh_session(db, keys, pair.refresh_token)
    with pytest.raises(RefreshTokenReused):
        await refresh_session(db, keys, pair.refresh_token)  # the thief (or the victim) replays it
    with pytest.raises(InvalidToken):
        await refresh_session(db, keys, newer.refresh_token)  # the legitimate newer one died too
    with pytest.raises(InvalidToken):
        await authenticate_access_token(db, keys, newer.access_token)
    async with db.tenant(org.id) as s:
        actions = set(
            (await s.execute(select(AuditEvent.action).where(AuditEvent.organization_id == org.id))).scalars()
        )
    assert "member.session_token_reused" in actions and "member.login" in actions


async def test_refresh_tokens_are_stored_hashed_and_expire(
    db: Database, owner_db: Database, settings: Settings
) -> None:
    keys = IdentityKeys.from_settings(settings)
    org, _, pair = await _signed_in(db, keys)
    async with owner_db.system() as s:
        stored = list(
            (
                await s.execute(
                    text("SELECT token_hash FROM member_refresh_tokens WHERE organization_id = :o"),
                    {"o": org.id},
                )
            ).scalars()
        )
    assert stored and pair.refresh_token not in stored and all(len(h) == 64 for h in stored)
    with pytest.raises(InvalidToken):
        await refresh_session(db, keys, pair.refresh_token, now=datetime.now(UTC) + timedelta(days=31))
    with pytest.raises(InvalidToken):
        await refresh_session(db, keys, "rt1.1.forged")
    with pytest.raises(InvalidToken):
        await refresh_session(db, keys, "garbage")


async def test_logout_and_logout_everywhere(db: Database, settings: Settings) -> None:
    keys = IdentityKeys.from_settings(settings)
    org, member, phone_a = await _signed_in(db, keys)
    tablet = await start_session(db, keys, organization_id=org.id, member_id=member.id)
    await logout(db, keys, phone_a.refresh_token)
    with pytest.raises(InvalidToken):
        await refresh_session(db, keys, phone_a.refresh_token)
    with pytest.raises(InvalidToken):
        await authenticate_access_token(db, keys, phone_a.access_token)
    assert (await authenticate_access_token(db, keys, tablet.access_token)).member_id == member.id
    laptop = await start_session(db, keys, organization_id=org.id, member_id=member.id)
    assert await logout_everywhere(db, organization_id=org.id, member_id=member.id) == 2
    for pair in (tablet, laptop):
        with pytest.raises(InvalidToken):
            await refresh_session(db, keys, pair.refresh_token)
