"""Allocation order (penalties -> interest -> principal, configurable), early repayment, overpayment; penalties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.loans.arrears import penalty_periods
from core.loans.lifecycle import TRANSITIONS, can_move
from core.loans.models import LoanApplicationStatus as S
from core.loans.repayment import Dues, Split, allocate

DUES = [Dues(1, penalty=500, interest=2_000, principal=16_666), Dues(2, penalty=0, interest=2_000, principal=16_666)]


def test_default_order_pays_penalty_then_interest_then_principal_oldest_first() -> None:
    plan = allocate(DUES, 3_000)
    assert plan.splits == (Split(1, 500, 2_000, 500),) and plan.overpayment == 0


def test_configured_order_principal_first() -> None:
    plan = allocate(DUES, 3_000, ("principal", "interest", "penalty"))
    assert plan.splits == (Split(1, 0, 0, 3_000),)


def test_early_repayment_reaches_future_instalments_and_the_rest_is_overpayment() -> None:
    plan = allocate(DUES, 40_000)
    assert plan.splits == (Split(1, 500, 2_000, 16_666), Split(2, 0, 2_000, 16_666))
    assert plan.overpayment == 40_000 - 37_832


def test_bad_amounts_and_orders_are_refused() -> None:
    with pytest.raises(InvalidInput):
        allocate(DUES, 0)
    with pytest.raises(InvalidInput):
        allocate(DUES, 10, ("interest", "principal"))


@given(st.lists(st.tuples(st.integers(0, 5_000), st.integers(0, 5_000), st.integers(0, 50_000)), max_size=8),
       st.integers(1, 500_000))
def test_allocation_conserves_money(parts: list[tuple[int, int, int]], amount: int) -> None:
    dues = [Dues(n + 1, *p) for n, p in enumerate(parts)]
    plan = allocate(dues, amount)
    assert sum(s.total for s in plan.splits) + plan.overpayment == amount
    assert plan.overpayment == max(0, amount - sum(sum(p) for p in parts))


def test_penalty_periods_respect_grace_and_step_per_period() -> None:
    due = date(2026, 3, 1)
    assert penalty_periods(due, date(2026, 3, 4), 3, 30) == 0  # within 3 grace days
    assert penalty_periods(due, date(2026, 3, 5), 3, 30) == 1
    assert penalty_periods(due, date(2026, 4, 3), 3, 30) == 1
    assert penalty_periods(due, date(2026, 4, 4), 3, 30) == 2


def test_transition_table_is_explicit() -> None:
    assert can_move(S.SUBMITTED, S.UNDER_REVIEW) and can_move(S.ACTIVE, S.CLOSED)
    assert not can_move(S.REJECTED, S.APPROVED) and not can_move(S.SUBMITTED, S.DISBURSED)
    assert not can_move("nonsense", S.APPROVED)
    assert all(not TRANSITIONS[s] for s in (S.CLOSED, S.WRITTEN_OFF, S.REJECTED, S.CANCELLED))
