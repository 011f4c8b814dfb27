"""AES-GCM for personal data: round trips, binding to its place, key ids for rotation, blind indexes."""

from __future__ import annotations

import pytest

from core.crypto.pii import PiiCipher, PiiKeyError, UndecryptableValue, generate_key_spec, parse_keys
from core.settings import load_settings

OLD, NEW = generate_key_spec("k2025"), generate_key_spec("k2026")


def test_round_trip_and_key_id_in_the_value() -> None:
    pii = PiiCipher(parse_keys(OLD, allow_derived=False))
    token = pii.encrypt("1198870012345671", context="members.national_id:1")
    assert token.startswith("v1:k2025:") and "1198870012345671" not in token
    assert pii.decrypt(token, context="members.national_id:1") == "1198870012345671"
    assert pii.encrypt("same", context="c") != pii.encrypt("same", context="c")  # random nonce


def test_a_value_moved_to_another_place_does_not_decrypt() -> None:
    pii = PiiCipher(parse_keys(OLD, allow_derived=False))
    token = pii.encrypt("1198870012345671", context="members.national_id:1")
    with pytest.raises(UndecryptableValue):
        pii.decrypt(token, context="members.national_id:2")
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(UndecryptableValue):
        pii.decrypt(tampered, context="members.national_id:1")


def test_rotation_new_key_first_old_still_decrypts() -> None:
    old = PiiCipher(parse_keys(OLD, allow_derived=False))
    both = PiiCipher(parse_keys(f"{NEW},{OLD}", allow_derived=False))
    token = old.encrypt("secret", context="c")
    assert both.needs_rotation(token) and both.decrypt(token, context="c") == "secret"
    fresh = both.encrypt("secret", context="c")
    assert fresh.startswith("v1:k2026:") and not both.needs_rotation(fresh)
    with pytest.raises(UndecryptableValue, match="no longer holds"):
        PiiCipher(parse_keys(NEW, allow_derived=False)).decrypt(token, context="c")


def test_blind_index_is_keyed_stable_and_matches_across_rotation() -> None:
    old = PiiCipher(parse_keys(OLD, allow_derived=False))
    both = PiiCipher(parse_keys(f"{NEW},{OLD}", allow_derived=False))
    idx = old.blind_index("1198870012345671", context="org:1")
    assert idx == old.blind_index("1198870012345671", context="org:1")
    assert idx != old.blind_index("1198870012345671", context="org:2")
    assert idx in both.blind_indexes("1198870012345671", context="org:1")
    assert both.blind_index("1198870012345671", context="org:1") != idx


def test_key_list_validation() -> None:
    with pytest.raises(PiiKeyError, match="32"):
        parse_keys("k1:c2hvcnQ=", allow_derived=False)
    with pytest.raises(PiiKeyError, match="repeats"):
        parse_keys(f"{OLD},{OLD}", allow_derived=False)
    with pytest.raises(PiiKeyError):
        parse_keys("just-a-passphrase", allow_derived=False)
    (dev,) = parse_keys("dev-insecure-pii-key", allow_derived=True)
    assert dev.key_id == "dev" and len(dev.key) == 32


def test_production_refuses_a_derived_key_development_accepts_it() -> None:
    with pytest.raises(PiiKeyError):
        PiiCipher.from_settings(
            load_settings(IBIMINA_ENV="production", PII_ENCRYPTION_KEYS="x" * 40, _env_file=None)
        )
    assert PiiCipher.from_settings(load_settings(_env_file=None)).current_key_id == "dev"
    prod = PiiCipher.from_settings(
        load_settings(IBIMINA_ENV="production", PII_ENCRYPTION_KEYS=NEW, _env_file=None)
    )
    assert prod.current_key_id == "k2026"
