"""Schedules: hand-worked flat and declining examples, rounding on the last instalment, properties, due dates."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core.loans.schedule import (
    Frequency,
    InterestMethod,
    add_months,
    build_schedule,
    instalment_count,
    total_interest,
)

START = date(2026, 1, 31)


def test_flat_100k_at_24_percent_over_6_months_by_hand() -> None:
    # Interest = 100,000 x 24% x 6/12 = 12,000, 2,000 a month. Principal 100,000 / 6 = 16,666.67: five of 16,666
    # and the remainder 100,000 - 5 x 16,666 = 16,670 on the last.
    s = build_schedule(100_000, annual_rate_bp=2400, count=6, method=InterestMethod.FLAT,
                       frequency=Frequency.MONTHLY, start=START)
    assert [(i.principal, i.interest) for i in s] == [(16_666, 2_000)] * 5 + [(16_670, 2_000)]
    assert [i.total for i in s] == [18_666] * 5 + [18_670]
    assert total_interest(s) == 12_000


def test_declining_100k_at_24_percent_over_6_months_by_hand() -> None:
    # r = 2 % a month; instalment = 100,000 x 0.02 / (1 - 1.02^-6) = 17,852.58 -> 17,853.
    # Computed here independently, period by period, with the same half-up rounding.
    r = 0.02
    payment = round(100_000 * r / (1 - (1 + r) ** -6))
    assert payment == 17_853
    balance, expected = 100_000, []
    for k in range(6):
        interest = int(balance * r + 0.5)
        principal = balance if k == 5 else payment - interest
        expected.append((principal, interest))
        balance -= principal
    assert expected == [(15_853, 2_000), (16_170, 1_683), (16_493, 1_360), (16_823, 1_030), (17_160, 693),
                        (17_501, 350)]
    s = build_schedule(100_000, annual_rate_bp=2400, count=6, method=InterestMethod.DECLINING,
                       frequency=Frequency.MONTHLY, start=START)
    assert [(i.principal, i.interest) for i in s] == expected
    assert total_interest(s) == 7_116 < 12_000  # declining balance costs less than flat at the same rate


def test_due_dates_clamp_to_month_end_and_weeks_step_by_seven() -> None:
    s = build_schedule(10_000, annual_rate_bp=0, count=3, method=InterestMethod.FLAT, frequency=Frequency.MONTHLY,
                       start=START)
    assert [i.due_on for i in s] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    w = build_schedule(10_000, annual_rate_bp=1200, count=2, method=InterestMethod.DECLINING,
                       frequency=Frequency.WEEKLY, start=date(2026, 1, 1))
    assert [i.due_on for i in w] == [date(2026, 1, 8), date(2026, 1, 15)]
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert instalment_count(3, Frequency.WEEKLY) == 13 and instalment_count(3, Frequency.MONTHLY) == 3


@given(
    principal=st.integers(1, 50_000_000),
    rate=st.integers(0, 6_000),
    count=st.integers(1, 104),
    method=st.sampled_from(list(InterestMethod)),
    frequency=st.sampled_from(list(Frequency)),
)
def test_instalments_sum_to_principal_plus_interest_in_whole_units(
    principal: int, rate: int, count: int, method: InterestMethod, frequency: Frequency
) -> None:
    s = build_schedule(principal, annual_rate_bp=rate, count=count, method=method, frequency=frequency, start=START)
    assert len(s) == count
    assert sum(i.principal for i in s) == principal
    assert sum(i.total for i in s) == principal + total_interest(s)
    assert all(isinstance(i.principal, int) and isinstance(i.interest, int) for i in s)
    assert all(i.principal >= 0 and i.interest >= 0 for i in s)
    if rate == 0:
        assert total_interest(s) == 0


@given(principal=st.integers(1, 100_000).map(lambda n: n * 100), count=st.integers(1, 24))
def test_whole_units_when_the_currency_has_minor_units(principal: int, count: int) -> None:
    s = build_schedule(principal, annual_rate_bp=1800, count=count, method=InterestMethod.DECLINING,
                       frequency=Frequency.MONTHLY, start=START, unit=100)
    assert all(i.principal % 100 == 0 and i.interest % 100 == 0 for i in s)
    assert sum(i.principal for i in s) == principal
