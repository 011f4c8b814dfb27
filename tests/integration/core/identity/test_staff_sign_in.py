"""Staff sign-in: lockout per account and per address, the second factor (no replay), backup codes,
trusted devices, enrolment, session timeouts; each step leaves an audit trail."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db.database import Database
from core.demo.seed import development_cipher
from core.identity.context import ClientInfo
from core.identity.errors import AccountLocked, InvalidCredentials, InvalidSecondFactor, InvalidToken
from core.identity.keys import IdentityKeys
from core.identity.ratelimit_pg import PostgresRateLimiter
from core.identity.staff_auth import begin_sign_in, complete_sign_in, sign_in_enrolment
from core.identity.staff_sessions import load_session
from core.settings import Settings
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff

PII = development_cipher()


def _client() -> ClientInfo:
    return ClientInfo(
        address=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    )


@pytest.fixture
def keys(settings: Settings) -> IdentityKeys:
    return IdentityKeys.from_settings(settings)


@pytest.fixture
def limiter(db: Database) -> PostgresRateLimiter:
    return PostgresRateLimiter(db, secrets.token_bytes(16))


async def _actions(db: Database, staff_id: int) -> list[str]:
    async with db.system() as s:
        rows = await s.execute(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == str(staff_id), AuditEvent.object_type == "staff_user")
            .order_by(AuditEvent.id)
        )
        return list(rows.scalars())


async def test_password_then_totp_gives_a_new_full_session(
    db: Database, keys: IdentityKeys, limiter: PostgresRateLimiter
) -> None:
    user, secret = await make_staff(db, await make_organization(db))
    client = _client()
    pending = await begin_sign_in(
        db, limiter, keys, email=user.email.upper(), password=STAFF_PASSWORD, client=client
    )
    assert not pending.complete and pending.session.mfa_enrolled
    assert await sign_in_enrolment(db, keys, PII, token=pending.token) is None
    done = await complete_sign_in(
        db, limiter, keys, PII, token=pending.token, code=pyotp.TOTP(secret).now(), client=client
    )
    assert (
        done.complete
        and done.token != pending.token
        and done.session.csrf_token != pending.session.csrf_token
    )
    assert await load_session(db, keys, pending.token) is None  # the pending id does not live on
    assert (await load_session(db, keys, done.token)) is not None
    assert await _actions(db, user.id) == ["staff.created", "staff.password_accepted", "staff.login"]


async def test_account_locks_after_five_failures_with_a_clear_message(
    db: Database, keys: IdentityKeys, limiter: PostgresRateLimiter
) -> None:
    user, _ = await make_staff(db, await make_organization(db))
    for attempt in range(4):
        with pytest.raises(InvalidCredentials, match="email or password is wrong"):
            await begin_sign_in(
                db, limiter, keys, email=user.email, password=f"guess-{attempt}", client=_client()
            )
    with pytest.raises(AccountLocked, match="try again in 15 minutes") as locked:
        await begin_sign_in(db, limiter, keys, email=user.email, password="guess-5", client=_client())
    assert 850 < locked.value.retry_after <= 900  # counted from the first failure
    with pytest.raises(AccountLocked):  # even the right password waits
        await begin_sign_in(db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client())
    actions = await _actions(db, user.id)
    assert actions.count("staff.login_failed") == 5 and actions.count("staff.locked_out") == 1


async def test_one_address_is_stopped_after_thirty_failures_across_accounts(
    db: Database, keys: IdentityKeys, limiter: PostgresRateLimiter
) -> None:
    client = _client()
    for i in range(29):
        with pytest.raises(InvalidCredentials):
            await begin_sign_in(
                db, limiter, keys, email=f"nobody{i}@example.test", password="x", client=client
            )
    with pytest.raises(AccountLocked):
        await begin_sign_in(db, limiter, keys, email="nobody-last@example.test", password="x", client=client)
    user, _ = await make_staff(db, await make_organization(db))
    with pytest.raises(AccountLocked):
        await begin_sign_in(db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=client)


async def test_totp_replay_is_refused_and_five_wrong_codes_lock(
    db: Database, keys: IdentityKeys, limiter: PostgresRateLimiter
) -> None:
    user, secret = await make_staff(db, await make_organization(db))
    code = pyotp.TOTP(secret).now()
    first = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client()
    )
    await complete_sign_in(db, limiter, keys, PII, token=first.token, code=code, client=_client())
    second = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client()
    )
    with pytest.raises(InvalidSecondFactor):
        await complete_sign_in(
            db, limiter, keys, PII, token=second.token, code=code, client=_client()
        )  # replay
    for _ in range(3):
        with pytest.raises(InvalidSecondFactor):
            await complete_sign_in(
                db, limiter, keys, PII, token=second.token, code="000000", client=_client()
            )
    with pytest.raises(AccountLocked):
        await complete_sign_in(db, limiter, keys, PII, token=second.token, code="000001", client=_client())
    with pytest.raises(InvalidToken):  # the pending sign-in ended with the lock
        await complete_sign_in(db, limiter, keys, PII, token=second.token, code=code, client=_client())
    assert "staff.locked_out" in await _actions(db, user.id)


async def test_enrolment_then_backup_codes_work_once(
    db: Database, keys: IdentityKeys, limiter: PostgresRateLimiter
) -> None:
    user, _ = await make_staff(db, await make_organization(db), enrolled=False)
    pending = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client()
    )
    assert not pending.session.mfa_enrolled
    enrolment = await sign_in_enrolment(db, keys, PII, token=pending.token)
    assert enrolment is not None and enrolment.uri.startswith("otpauth://totp/")
    again = await sign_in_enrolment(db, keys, PII, token=pending.token)
    assert again is not None and again.secret == enrolment.secret  # stable while pending
    done = await complete_sign_in(
        db, limiter, keys, PII, token=pending.token, code=pyotp.TOTP(enrolment.secret).now(), client=_client()
    )
    assert len(done.backup_codes) == 10 and len(set(done.backup_codes)) == 10
    backup = done.backup_codes[3]
    for expect_ok in (True, False):
        step = await begin_sign_in(
            db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client()
        )
        if expect_ok:
            assert (
                await complete_sign_in(
                    db, limiter, keys, PII, token=step.token, code=backup.upper(), client=_client()
                )
            ).complete
        else:
            with pytest.raises(InvalidSecondFactor):
                await complete_sign_in(
                    db, limiter, keys, PII, token=step.token, code=backup, client=_client()
                )
    actions = await _actions(db, user.id)
    assert "staff.mfa_enrolled" in actions and "staff.backup_code_used" in actions


async def test_a_trusted_device_skips_the_code_until_revoked(
    db: Database, keys: IdentityKeys, limiter: PostgresRateLimiter
) -> None:
    user, secret = await make_staff(db, await make_organization(db))
    pending = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client()
    )
    done = await complete_sign_in(
        db,
        limiter,
        keys,
        PII,
        token=pending.token,
        code=pyotp.TOTP(secret).now(),
        client=_client(),
        trust_this_device=True,
    )
    assert done.device_cookie
    trusted = await begin_sign_in(
        db,
        limiter,
        keys,
        email=user.email,
        password=STAFF_PASSWORD,
        client=_client(),
        device_cookie=done.device_cookie,
    )
    assert trusted.complete
    forged = done.device_cookie[:-1] + ("0" if done.device_cookie[-1] != "0" else "1")
    other = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client(), device_cookie=forged
    )
    assert not other.complete
    colleague, _ = await make_staff(db, await make_organization(db))
    theirs = await begin_sign_in(
        db,
        limiter,
        keys,
        email=colleague.email,
        password=STAFF_PASSWORD,
        client=_client(),
        device_cookie=done.device_cookie,
    )
    assert not theirs.complete  # a device cookie is bound to its user


async def test_sessions_end_after_30_idle_minutes_and_12_hours(
    db: Database, keys: IdentityKeys, limiter: PostgresRateLimiter
) -> None:
    user, secret = await make_staff(db, await make_organization(db))
    t0 = datetime.now(UTC)
    pending = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client(), now=t0
    )
    assert (
        await load_session(db, keys, pending.token, now=t0 + timedelta(minutes=11)) is None
    )  # pending: 10 min
    pending = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client(), now=t0
    )
    done = await complete_sign_in(
        db, limiter, keys, PII, token=pending.token, code=pyotp.TOTP(secret).now(), client=_client(), now=t0
    )
    t = t0
    for _ in range(23):  # active every 29 minutes: alive until the 12-hour limit
        t += timedelta(minutes=29)
        assert await load_session(db, keys, done.token, now=t) is not None
    assert await load_session(db, keys, done.token, now=t0 + timedelta(hours=12, minutes=1)) is None
    pending = await begin_sign_in(
        db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=_client(), now=t0
    )
    later = t0 + timedelta(seconds=31)
    idle = await complete_sign_in(
        db,
        limiter,
        keys,
        PII,
        token=pending.token,
        code=pyotp.TOTP(secret).at(later),
        client=_client(),
        now=later,
    )
    assert await load_session(db, keys, idle.token, now=later + timedelta(minutes=31)) is None
    assert (
        await load_session(db, keys, idle.token, now=later + timedelta(minutes=1)) is None
    )  # ended for good
