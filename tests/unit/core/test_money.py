"""Money is exact: integer minor units, never a float, never two currencies mixed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.money import CurrencyMismatch, Money, total

amounts = st.integers(min_value=-(10**15), max_value=10**15)


def test_amounts_are_ints_only() -> None:
    for bad in (1.5, 2.0, Decimal("2"), True, "2000", None):
        with pytest.raises(TypeError):
            Money(bad, "RWF")  # type: ignore[arg-type]
    for code in ("rwf", "RW", "RWFX", "", "12A"):
        with pytest.raises(InvalidInput):
            Money(1, code)


def test_arithmetic_refuses_mixing_currencies() -> None:
    a, b = Money(100, "RWF"), Money(100, "USD")
    for op in (lambda: a + b, lambda: a - b, lambda: a < b, lambda: a >= b):
        with pytest.raises(CurrencyMismatch):
            op()
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        a * 1.5  # type: ignore[operator]
    assert a != b and Money(0, "RWF") != Money(0, "USD")


def test_arithmetic_and_comparisons() -> None:
    a = Money(2000, "RWF")
    assert a + Money(500, "RWF") == Money(2500, "RWF")
    assert a - Money(2500, "RWF") == Money(-500, "RWF")
    assert -a == Money(-2000, "RWF") and abs(-a) == a and a * 3 == 3 * a == Money(6000, "RWF")
    assert Money(1, "RWF") > Money(0, "RWF") and Money.zero("RWF").is_zero
    assert total([a, a], "RWF") == Money(4000, "RWF") and total([], "USD") == Money.zero("USD")


def test_parse_and_format_in_major_units() -> None:
    assert Money.parse("20,000", "RWF") == Money(20_000, "RWF")
    assert Money.parse("12.50", "USD") == Money(1250, "USD")
    assert Money(20_000, "RWF").format() == "20,000 RWF"
    assert Money(-1250, "USD").format() == "-12.50 USD"
    assert str(Money(5, "KES")) == "0.05 KES"
    for bad, cur in (("1.5", "RWF"), ("0.001", "USD"), ("abc", "RWF"), ("NaN", "RWF"), ("Infinity", "USD")):
        with pytest.raises(InvalidInput):
            Money.parse(bad, cur)


@given(amounts, amounts, amounts)
def test_addition_is_exact_associative_and_commutative(x: int, y: int, z: int) -> None:
    a, b, c = Money(x, "RWF"), Money(y, "RWF"), Money(z, "RWF")
    assert (a + b) + c == a + (b + c) == Money(x + y + z, "RWF")
    assert a + b == b + a and a - a == Money.zero("RWF")


@given(amounts)
def test_format_then_parse_round_trips(x: int) -> None:
    for cur in ("RWF", "USD"):
        m = Money(x, cur)
        assert Money.parse(m.format().rsplit(" ", 1)[0], cur) == m
