"""Amount rules: defaults take over- and underpayments into savings; a group may send them to a person."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.money import Money
from core.payments.matching_amounts import (
    AmountFit,
    AmountRules,
    Overpayment,
    Underpayment,
    judge_amount,
)

STRICT = AmountRules(Overpayment.EXCEPTION, Underpayment.EXCEPTION)


@pytest.mark.parametrize(
    ("amount", "contribution", "rules", "fit", "accepted"),
    [
        (2000, 2000, AmountRules(), AmountFit.EXACT, True),
        (5000, 2000, AmountRules(), AmountFit.OVER, True),  # overpayment -> savings
        (1500, 2000, AmountRules(), AmountFit.UNDER, True),  # underpayment -> partial
        (777, 0, AmountRules(), AmountFit.UNSCHEDULED, True),  # no fixed amount: anything goes
        (2000, 2000, STRICT, AmountFit.EXACT, True),
        (5000, 2000, STRICT, AmountFit.OVER, False),
        (1500, 2000, STRICT, AmountFit.UNDER, False),
        (20000, 2000, AmountRules(max_multiple=10), AmountFit.OVER, True),
        (20001, 2000, AmountRules(max_multiple=10), AmountFit.OVER, False),
        (1500, 2000, AmountRules(underpayment=Underpayment.EXCEPTION), AmountFit.UNDER, False),
        (5000, 2000, AmountRules(underpayment=Underpayment.EXCEPTION), AmountFit.OVER, True),
    ],
)
def test_amount_rules(amount: int, contribution: int, rules: AmountRules, fit: AmountFit, accepted: bool) -> None:
    verdict = judge_amount(Money(amount, "RWF"), contribution, rules)
    assert (verdict.fit, verdict.accepted) == (fit, accepted)
    assert verdict.detail
    assert verdict.expected == (contribution or None)


def test_the_defaults_are_the_documented_ones() -> None:
    rules = AmountRules()
    assert (rules.overpayment, rules.underpayment, rules.max_multiple) == ("savings", "partial", None)


@pytest.mark.parametrize("bad", [0, -1])
def test_a_max_multiple_below_one_is_refused(bad: int) -> None:
    with pytest.raises(InvalidInput):
        AmountRules(max_multiple=bad)


def test_the_verdict_names_amounts_in_francs() -> None:
    verdict = judge_amount(Money(25000, "RWF"), 2000, AmountRules(max_multiple=10))
    assert "25,000 RWF" in verdict.detail and "2,000 RWF" in verdict.detail
