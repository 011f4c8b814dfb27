"""Phone numbers arrive in every shape; the system keeps E.164."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.phones import normalise_phone, try_normalise_phone


@pytest.mark.parametrize(
    "raw", ["0788123456", "+250788123456", "250788123456", "+250 788 123 456", "0788-123-456"]
)
def test_rwandan_numbers_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+250788123456"


@pytest.mark.parametrize("raw", ["", "hello", "12345", "*********013"])
def test_garbage_is_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw)
    assert try_normalise_phone(raw) is None
