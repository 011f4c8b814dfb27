"""Posting rules without a database: two or more legs, positive integer amounts, zero sum per currency."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.audit.service import Actor
from core.errors import InvalidInput
from core.ledger.errors import UnbalancedEntry
from core.ledger.rules import content_digest, imbalance, validate_entry
from core.ledger.types import AccountType, NewEntry, PostingSpec, Side
from core.money import Money

ACTOR = Actor.system("tests")


def rwf(n: int) -> Money:
    return Money(n, "RWF")


def entry(*postings: PostingSpec, **kw: object) -> NewEntry:
    fields: dict = {"kind": "contribution", "postings": postings, "idempotency_key": "k", "actor": ACTOR}
    fields.update(kw)
    return NewEntry(**fields)


def test_a_posting_amount_is_a_positive_integer_of_money() -> None:
    for bad in (0, -5):
        with pytest.raises(InvalidInput):
            PostingSpec.debit(1, rwf(bad))
    with pytest.raises(TypeError):
        PostingSpec.debit(1, Money(1.5, "RWF"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        PostingSpec(1, "debit", rwf(5))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        PostingSpec.credit(0, rwf(5))
    assert PostingSpec.credit(3, rwf(5)).signed_amount == -5
    assert PostingSpec.debit(3, rwf(5)).reversed() == PostingSpec.credit(3, rwf(5))


def test_an_entry_needs_two_postings_that_sum_to_zero_per_currency() -> None:
    with pytest.raises(UnbalancedEntry):
        validate_entry(entry(PostingSpec.debit(1, rwf(5))))
    with pytest.raises(UnbalancedEntry):
        validate_entry(entry())
    with pytest.raises(UnbalancedEntry, match="RWF off by 1"):
        validate_entry(entry(PostingSpec.debit(1, rwf(5)), PostingSpec.credit(2, rwf(4))))
    with pytest.raises(UnbalancedEntry):  # balanced in total, not per currency
        validate_entry(entry(PostingSpec.debit(1, rwf(5)), PostingSpec.credit(2, Money(5, "USD"))))
    validate_entry(entry(PostingSpec.debit(1, rwf(5)), PostingSpec.credit(2, rwf(3)), PostingSpec.credit(3, rwf(2))))
    validate_entry(entry(PostingSpec.debit(1, rwf(5)), PostingSpec.credit(2, rwf(5)),
                         PostingSpec.debit(1, Money(7, "USD")), PostingSpec.credit(2, Money(7, "USD"))))


def test_kind_key_memo_time_and_metadata_are_checked() -> None:
    legs = (PostingSpec.debit(1, rwf(5)), PostingSpec.credit(2, rwf(5)))
    for bad in ({"kind": "Contribution!"}, {"idempotency_key": ""}, {"idempotency_key": "x" * 129},
                {"idempotency_key": "a\nb"}, {"memo": "m" * 501}, {"effective_at": datetime(2026, 1, 1)},
                {"metadata": {"rate": 0.5}}, {"metadata": {"x": object()}}):
        with pytest.raises(InvalidInput):
            validate_entry(entry(*legs, **bad))


def test_the_digest_ignores_description_and_posting_order() -> None:
    a = entry(PostingSpec.debit(1, rwf(5)), PostingSpec.credit(2, rwf(5)), memo="one")
    b = entry(PostingSpec.credit(2, rwf(5)), PostingSpec.debit(1, rwf(5)), memo="two", metadata={"x": 1})
    c = entry(PostingSpec.debit(1, rwf(6)), PostingSpec.credit(2, rwf(6)))
    assert content_digest(a) == content_digest(b) != content_digest(c)
    assert content_digest(entry(*a.postings, kind="adjustment")) != content_digest(a)


def test_normal_sides() -> None:
    assert AccountType.ASSET.normal_side is Side.DEBIT and AccountType.EXPENSE.normal_side is Side.DEBIT
    assert AccountType.LIABILITY.normal_side is Side.CREDIT and AccountType.INCOME.normal_side is Side.CREDIT


legs = st.lists(
    st.tuples(st.integers(1, 6), st.sampled_from(list(Side)), st.integers(1, 10**9), st.sampled_from(["RWF", "USD"])),
    min_size=1,
    max_size=8,
)


@given(legs)
def test_validation_accepts_exactly_the_balanced_entries(raw: list[tuple[int, Side, int, str]]) -> None:
    postings = tuple(PostingSpec(a, side, Money(n, cur)) for a, side, n, cur in raw)
    sums: dict[str, int] = {}
    for _, side, n, cur in raw:
        sums[cur] = sums.get(cur, 0) + side.sign * n
    balanced = len(raw) >= 2 and all(v == 0 for v in sums.values())
    assert (imbalance(postings) == {}) == all(v == 0 for v in sums.values())
    if balanced:
        validate_entry(entry(*postings))
    else:
        with pytest.raises(UnbalancedEntry):
            validate_entry(entry(*postings))


@given(legs)
def test_a_balanced_entry_plus_its_mirror_nets_to_zero(raw: list[tuple[int, Side, int, str]]) -> None:
    postings = tuple(PostingSpec(a, side, Money(n, cur)) for a, side, n, cur in raw)
    closed = postings + tuple(p.reversed() for p in postings)
    assert imbalance(closed) == {}
    assert sum(p.signed_amount for p in closed) == 0
