"""Money: an integer amount in the currency's minor unit with its ISO 4217 code; never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.errors import InvalidInput

# ISO 4217 minor-unit exponents for the currencies we meet; anything else is assumed to have two.
MINOR_UNITS: dict[str, int] = {
    "RWF": 0,
    "UGX": 0,
    "BIF": 0,
    "KES": 2,
    "TZS": 2,
    "CDF": 2,
    "USD": 2,
    "EUR": 2,
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined; we never convert implicitly."""

    code = "currency_mismatch"


def minor_unit_exponent(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: `amount` minor units (RWF has none: 2000 means 2,000 RWF) of `currency`."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass and Decimal/float are not ints: all three are refused.
        if type(self.amount) is not int:
            raise TypeError(f"Money amount must be an int of minor units, not {type(self.amount).__name__}")
        if not isinstance(self.currency, str) or not _CURRENCY.match(self.currency):
            raise InvalidInput(f"currency must be an ISO 4217 code like 'RWF', not {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """'20,000' or '12.50' in major units to Money; refuses more decimals than the currency has."""
        cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
        try:
            major = Decimal(cleaned)
        except InvalidOperation:
            raise InvalidInput(f"{text!r} is not an amount") from None
        if not major.is_finite():
            raise InvalidInput(f"{text!r} is not an amount")
        minor = major.scaleb(minor_unit_exponent(currency))
        if minor != minor.to_integral_value():
            raise InvalidInput(f"{text!r} has more decimals than {currency} allows")
        return cls(int(minor), currency)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("Money can only be multiplied by an int (round rates explicitly first)")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def format(self) -> str:
        """'20,000 RWF', '-12.50 USD': grouped major units, exact (no float on the way)."""
        exp = minor_unit_exponent(self.currency)
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**exp)
        text = f"{whole:,}" + (f".{frac:0{exp}d}" if exp else "")
        return f"{sign}{text} {self.currency}"

    def __str__(self) -> str:
        return self.format()


def total(amounts: list[Money] | tuple[Money, ...], currency: str) -> Money:
    """Sum of amounts that must all be in `currency` (an empty list sums to zero)."""
    result = Money.zero(currency)
    for m in amounts:
        result = result + m
    return result
