"""Repayment schedules (amortisation tables): flat or declining balance, whole currency units, dates per frequency.

Rounding rule (documented and tested): every amount is rounded half-up to a whole currency unit (`unit` minor
units, 1 for RWF). Flat: principal and interest are each split evenly, rounded *down* to whole units, and the
remainders go on the last instalment. Declining balance (equal instalments): the instalment is P*r/(1-(1+r)^-n)
rounded half-up; each period's interest is the balance times r rounded half-up, principal the rest; the last
instalment takes whatever principal is left, so principal always sums exactly to the amount lent.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.errors import InvalidInput


class InterestMethod(StrEnum):
    FLAT = "flat"
    DECLINING = "declining"  # declining balance, equal instalments (annuity)


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def per_year(self) -> int:
        return 52 if self is Frequency.WEEKLY else 12

    @property
    def approx_days(self) -> int:
        return 7 if self is Frequency.WEEKLY else 30


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1-based
    due_on: date
    principal: int
    interest: int

    @property
    def total(self) -> int:
        return self.principal + self.interest


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(start: date, frequency: Frequency, number: int) -> date:
    """When instalment `number` falls due for a loan disbursed on `start`."""
    if frequency is Frequency.WEEKLY:
        return start + timedelta(weeks=number)
    return add_months(start, number)


def instalment_count(term_months: int, frequency: Frequency) -> int:
    """Instalments for a term in months: one a month, or one a week (52 weeks a year, rounded up)."""
    if frequency is Frequency.MONTHLY:
        return term_months
    return -(-term_months * 52 // 12)


def _round(value: Decimal, unit: int, mode: str = ROUND_HALF_UP) -> int:
    return int((value / unit).quantize(Decimal(1), rounding=mode)) * unit


def build_schedule(
    principal: int,
    *,
    annual_rate_bp: int,
    count: int,
    method: InterestMethod,
    frequency: Frequency,
    start: date,
    unit: int = 1,
) -> tuple[Instalment, ...]:
    """The amortisation table of a loan of `principal` minor units at `annual_rate_bp` (2400 = 24 %/year).

    Raises InvalidInput for a non-positive principal or count, a negative rate, or a principal that is not whole
    currency units.
    """
    if principal <= 0 or count <= 0 or annual_rate_bp < 0 or unit <= 0:
        raise InvalidInput("a schedule needs a positive amount and number of instalments, and a rate >= 0")
    if principal % unit:
        raise InvalidInput("the amount must be whole currency units")
    rate = Decimal(annual_rate_bp) / Decimal(10_000) / Decimal(frequency.per_year)
    dates = [due_date(start, frequency, k) for k in range(1, count + 1)]
    if method is InterestMethod.FLAT:
        parts = _flat(principal, rate, count, unit)
    else:
        parts = _declining(principal, rate, count, unit)
    return tuple(Instalment(k + 1, dates[k], p, i) for k, (p, i) in enumerate(parts))


def _flat(principal: int, rate: Decimal, count: int, unit: int) -> list[tuple[int, int]]:
    interest = _round(Decimal(principal) * rate * count, unit)
    each_p = _round(Decimal(principal) / count, unit, ROUND_FLOOR)
    each_i = _round(Decimal(interest) / count, unit, ROUND_FLOOR)
    parts = [(each_p, each_i)] * (count - 1)
    parts.append((principal - each_p * (count - 1), interest - each_i * (count - 1)))
    return parts


def _declining(principal: int, rate: Decimal, count: int, unit: int) -> list[tuple[int, int]]:
    if rate == 0:
        return _flat(principal, rate, count, unit)
    payment = _round(Decimal(principal) * rate / (1 - (1 + rate) ** -count), unit)
    balance = principal
    parts: list[tuple[int, int]] = []
    for k in range(count):
        interest = _round(Decimal(balance) * rate, unit)
        part = balance if k == count - 1 else min(balance, max(0, payment - interest))
        parts.append((part, interest))
        balance -= part
    return parts


def total_interest(schedule: tuple[Instalment, ...]) -> int:
    return sum(i.interest for i in schedule)
