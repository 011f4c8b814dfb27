"""Member one-time codes: stored only as an HMAC, 5 minutes, 5 wrong tries, send limits, one live code."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from core.db.database import Database
from core.identity.errors import CodeExpired, RateLimited, TooManyAttempts
from core.identity.keys import IdentityKeys
from core.identity.otp import OtpPurpose, issue_code, verify_code
from core.identity.ratelimit_pg import PostgresRateLimiter
from core.settings import Settings
from tests.support.factories import make_organization, new_phone


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys(settings: Settings) -> IdentityKeys:
    return IdentityKeys.from_settings(settings)


def _limiter(db: Database, clock: Clock | None = None) -> PostgresRateLimiter:
    return PostgresRateLimiter(db, secrets.token_bytes(16), clock or Clock())


async def test_code_is_six_digits_stored_only_as_a_keyed_hash(
    db: Database, owner_db: Database, keys: IdentityKeys
) -> None:
    org, phone = await make_organization(db), new_phone()
    issued = await issue_code(
        db, _limiter(db), keys, organization_id=org.id, phone=phone, purpose=OtpPurpose.LOGIN
    )
    assert issued.code.isdigit() and len(issued.code) == 6 and issued.code not in repr(issued)
    async with owner_db.system() as s:
        row = (
            (await s.execute(text("SELECT * FROM one_time_codes WHERE id = :i"), {"i": issued.code_id}))
            .mappings()
            .one()
        )
    assert issued.code not in " ".join(str(v) for v in row.values())
    assert phone not in " ".join(str(v) for v in row.values())
    assert row["expires_at"] - row["created_at"] <= timedelta(minutes=5, seconds=1)
    assert await verify_code(db, keys, organization_id=org.id, phone=phone, purpose="login", code=issued.code)
    with pytest.raises(CodeExpired):  # used up
        await verify_code(db, keys, organization_id=org.id, phone=phone, purpose="login", code=issued.code)


async def test_five_wrong_attempts_kill_the_code(db: Database, keys: IdentityKeys) -> None:
    org, phone = await make_organization(db), new_phone()
    issued = await issue_code(db, _limiter(db), keys, organization_id=org.id, phone=phone, purpose="login")
    wrong = "000000" if issued.code != "000000" else "111111"
    for _ in range(4):
        assert not await verify_code(
            db, keys, organization_id=org.id, phone=phone, purpose="login", code=wrong
        )
    with pytest.raises(TooManyAttempts, match="new one"):
        await verify_code(db, keys, organization_id=org.id, phone=phone, purpose="login", code=wrong)
    with pytest.raises(CodeExpired):  # even the right code is refused now
        await verify_code(db, keys, organization_id=org.id, phone=phone, purpose="login", code=issued.code)


async def test_a_code_expires_after_five_minutes(db: Database, keys: IdentityKeys) -> None:
    org, phone = await make_organization(db), new_phone()
    issued = await issue_code(db, _limiter(db), keys, organization_id=org.id, phone=phone, purpose="login")
    later = datetime.now(UTC) + timedelta(minutes=5, seconds=1)
    with pytest.raises(CodeExpired, match="expired"):
        await verify_code(
            db, keys, organization_id=org.id, phone=phone, purpose="login", code=issued.code, now=later
        )


async def test_send_limits_one_a_minute_five_an_hour(db: Database, keys: IdentityKeys) -> None:
    org, phone, clock = await make_organization(db), new_phone(), Clock()
    limiter = _limiter(db, clock)
    await issue_code(db, limiter, keys, organization_id=org.id, phone=phone, purpose="login")
    with pytest.raises(RateLimited) as first:
        await issue_code(db, limiter, keys, organization_id=org.id, phone=phone, purpose="loan_confirm")
    assert first.value.retry_after == 60 and "60 seconds" in first.value.message
    for _ in range(4):
        clock.now += 61
        await issue_code(db, limiter, keys, organization_id=org.id, phone=phone, purpose="login")
    clock.now += 61
    with pytest.raises(RateLimited) as hourly:
        await issue_code(db, limiter, keys, organization_id=org.id, phone=phone, purpose="login")
    assert hourly.value.retry_after > 60


async def test_one_live_code_per_purpose(db: Database, keys: IdentityKeys) -> None:
    org, phone = await make_organization(db), new_phone()
    first = await issue_code(db, _limiter(db), keys, organization_id=org.id, phone=phone, purpose="login")
    loan = await issue_code(
        db, _limiter(db), keys, organization_id=org.id, phone=phone, purpose="loan_confirm"
    )
    second = await issue_code(db, _limiter(db), keys, organization_id=org.id, phone=phone, purpose="login")
    if first.code != second.code:
        assert not await verify_code(
            db, keys, organization_id=org.id, phone=phone, purpose="login", code=first.code
        )
    assert await verify_code(db, keys, organization_id=org.id, phone=phone, purpose="login", code=second.code)
    assert await verify_code(
        db, keys, organization_id=org.id, phone=phone, purpose="loan_confirm", code=loan.code
    )
