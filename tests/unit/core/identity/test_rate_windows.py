"""The sliding-window arithmetic both rate limiters share."""

from __future__ import annotations

from core.identity.ratelimit import Limit, evaluate, storage_key


def test_allowed_until_the_limit_then_retry_when_the_oldest_leaves() -> None:
    limits = (Limit(1, 60), Limit(5, 3600))
    assert evaluate(1000.0, [], limits) == (0, 0)
    retry, count = evaluate(1000.0, [990.0], limits)
    assert (retry, count) == (50, 1)
    assert evaluate(1000.0, [900.0], limits)[0] == 0
    five = [100.0, 500.0, 700.0, 800.0, 900.0]
    assert evaluate(1000.0, five, limits)[0] == 100 + 3600 - 1000


def test_storage_keys_hide_the_subject_but_keep_the_kind() -> None:
    key = storage_key(b"secret", "otp-send:+250788100001")
    assert key.startswith("rl:otp-send:") and "250788" not in key
    assert key != storage_key(b"other", "otp-send:+250788100001")
