"""TOTP accepts ±1 step, never the same step twice, and nothing outside the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from core.demo.seed import development_cipher
from core.identity import totp
from core.identity.models import StaffUser

NOW = datetime(2026, 11, 23, 12, 0, 10, tzinfo=UTC)


def _user(secret: str) -> StaffUser:
    user = StaffUser(id=7, email="a@example.test", full_name="A", password_hash="x", role="manager")
    totp.install_secret(user, development_cipher(), secret, NOW)
    return user


def test_window_is_one_step_each_side() -> None:
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret)
    step = code.timecode(NOW)
    assert totp.matching_step(secret, code.at(NOW), NOW) == step
    assert totp.matching_step(secret, code.at(NOW - timedelta(seconds=30)), NOW) == step - 1
    assert totp.matching_step(secret, code.at(NOW + timedelta(seconds=30)), NOW) == step + 1
    assert totp.matching_step(secret, code.at(NOW - timedelta(seconds=90)), NOW) is None
    assert (
        totp.matching_step(secret, "12345", NOW) is None and totp.matching_step(secret, "abcdef", NOW) is None
    )


def test_a_code_is_accepted_once_and_older_steps_are_refused_after() -> None:
    secret = pyotp.random_base32()
    user, pii, code = _user(secret), development_cipher(), pyotp.TOTP(secret)
    assert totp.accept_code(user, pii, code.at(NOW), pending=False, now=NOW)
    assert not totp.accept_code(user, pii, code.at(NOW), pending=False, now=NOW)  # replay
    assert not totp.accept_code(user, pii, code.at(NOW - timedelta(seconds=30)), pending=False, now=NOW)
    later = NOW + timedelta(seconds=30)
    assert totp.accept_code(user, pii, code.at(later), pending=False, now=later)


def test_secret_is_stored_encrypted_and_uri_names_the_issuer() -> None:
    secret = pyotp.random_base32()
    user = _user(secret)
    assert user.totp_secret_encrypted is not None and secret not in user.totp_secret_encrypted
    uri = totp.provisioning_uri(secret, "a@example.test")
    assert uri.startswith("otpauth://totp/") and "issuer=Ibimina" in uri and secret in uri
