"""Member access tokens: HS256 only, our issuer and audience, 15 minutes, and nothing forged passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from core.identity.errors import InvalidToken
from core.identity.keys import IdentityKeys
from core.identity.member_sessions import ACCESS_TTL, _access_token, decode_access_token
from core.settings import load_settings

KEYS = IdentityKeys.from_settings(load_settings(_env_file=None))


def _token(now: datetime, keys: IdentityKeys = KEYS) -> str:
    return _access_token(keys, member_id=5, organization_id=3, family_id="f" * 32, now=now)[0]


def test_valid_token_names_member_organization_and_session() -> None:
    now = datetime.now(UTC)
    claims = decode_access_token(KEYS, _token(now))
    assert (claims.member_id, claims.organization_id, claims.family_id) == (5, 3, "f" * 32)
    assert claims.expires_at - now <= ACCESS_TTL


def test_expired_wrong_audience_wrong_key_and_alg_none_are_refused() -> None:
    with pytest.raises(InvalidToken):
        decode_access_token(KEYS, _token(datetime.now(UTC) - timedelta(minutes=16)))
    other = IdentityKeys.from_settings(load_settings(SECRET_KEY="x" * 40, _env_file=None))
    with pytest.raises(InvalidToken):
        decode_access_token(KEYS, _token(datetime.now(UTC), other))
    claims = jwt.decode(_token(datetime.now(UTC)), options={"verify_signature": False})
    with pytest.raises(InvalidToken):
        decode_access_token(
            KEYS, jwt.encode({**claims, "aud": "someone-else"}, KEYS.access_token, algorithm="HS256")
        )
    with pytest.raises(InvalidToken):
        decode_access_token(KEYS, jwt.encode(claims, None, algorithm="none"))
    with pytest.raises(InvalidToken):
        decode_access_token(KEYS, "not.a.token")
