"""Matching table: a code, a typo, an unknown code, a full phone, a masked phone with a name, an ambiguous payer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.payments.codes import damm_is_valid, generate_code
from core.payments.matching import (
    Directory,
    GroupInfo,
    MemberInfo,
    codes_wanted,
    match_payment,
    near_miss_codes,
)
from core.payments.matching_types import (
    ExceptionReason,
    Matched,
    MatchMethod,
    PaymentFacts,
    Target,
    Unmatched,
)
from core.payments.member_codes import CodeTarget
from core.payments.suggest import Roster, is_confident, suggest

ORG = 7
CODE_A = generate_code(1234567)  # member 1, group 10
CODE_B = generate_code(7654321)  # member 2, group 11
CODE_LOAN = generate_code(5555555)  # member 1, loan 99
OTHER_ORG_CODE = generate_code(3333333)

ALICE = MemberInfo(1, "Alice UWASE", "+250788000111", (10,))
BOSCO = MemberInfo(2, "Jean Bosco HABIMANA", "+250788000222", (10, 11))
CLAUDE = MemberInfo(3, "Claude MUGISHA", "+250788000333", ())
DIANE = MemberInfo(4, "Diane UWASE", "+250788999111", (11,))
GROUPS = (GroupInfo(10, "Abishyizehamwe", 2000, "weekly", 2), GroupInfo(11, "Twiteze imbere", 5000, "monthly"))


def _directory() -> Directory:
    return Directory(
        organization_id=ORG,
        currency="RWF",
        codes={
            CODE_A: CodeTarget(ORG, 1, 10, None, "contribution"),
            CODE_B: CodeTarget(ORG, 2, 11, None, "contribution"),
            CODE_LOAN: CodeTarget(ORG, 1, None, 99, "loan_repayment"),
            OTHER_ORG_CODE: CodeTarget(ORG + 1, 5, 50, None, "contribution"),
        },
        phone_members={m.phone: m for m in (ALICE, BOSCO, CLAUDE)},
        members={m.id: m for m in (ALICE, BOSCO, CLAUDE)},
        groups={g.id: g for g in GROUPS},
    )


def _pay(reference: str | None = None, *, phone: str | None = "*********999", name: str | None = "Someone",
         amount: int = 2000, currency: str = "RWF") -> PaymentFacts:
    return PaymentFacts(1, ORG, amount, currency, "mtn_momo", "76600000001", reference, name, phone,
                        datetime(2026, 10, 5, 10, tzinfo=UTC))


def _typo(code: str) -> str:
    """The code with its second digit changed (Damm: always detected)."""
    wrong = code[:1] + str((int(code[1]) + 1) % 10) + code[2:]
    assert not damm_is_valid(wrong)
    return wrong


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (_pay(CODE_A), ("matched", Target(1, 10), MatchMethod.CODE)),
        (_pay(f"ref {CODE_B[:4]}-{CODE_B[4:]}"), ("matched", Target(2, 11), MatchMethod.CODE)),
        (_pay(CODE_LOAN), ("matched", Target(1, None, 99, "loan_repayment"), MatchMethod.CODE)),
        (_pay(_typo(CODE_A)), ("unmatched", ExceptionReason.BAD_CHECK_DIGIT)),
        (_pay(generate_code(9999999)), ("unmatched", ExceptionReason.UNKNOWN_CODE)),
        (_pay(OTHER_ORG_CODE), ("unmatched", ExceptionReason.UNKNOWN_CODE)),
        (_pay(None, phone=ALICE.phone), ("matched", Target(1, 10), MatchMethod.PHONE)),
        (_pay("for school fees", phone=ALICE.phone), ("matched", Target(1, 10), MatchMethod.PHONE)),
        (_pay(None, phone=BOSCO.phone), ("unmatched", ExceptionReason.AMBIGUOUS_MEMBER)),
        (_pay(None, phone=CLAUDE.phone), ("unmatched", ExceptionReason.NO_GROUP)),
        (_pay(None, phone="*********111"), ("unmatched", ExceptionReason.NO_REFERENCE)),
        (_pay("umusanzu", phone="+250788123123"), ("unmatched", ExceptionReason.UNRECOGNISED_REFERENCE)),
        (_pay(CODE_A, currency="USD"), ("unmatched", ExceptionReason.CURRENCY_MISMATCH)),
    ],
    ids=["code", "code-with-words", "loan-code", "bad-check-digit", "unknown-code", "other-org-code",
         "full-phone", "phone-with-text", "phone-two-groups", "phone-no-group", "masked-phone", "not-a-code",
         "currency"],
)
def test_matching_table(facts: PaymentFacts, expected: tuple[object, ...]) -> None:
    outcome = match_payment(facts, _directory())
    if expected[0] == "matched":
        assert isinstance(outcome, Matched), outcome
        assert (outcome.target, outcome.method) == expected[1:]
        assert outcome.evidence and outcome.evidence[0].detail
    else:
        assert isinstance(outcome, Unmatched), outcome
        assert outcome.reason is expected[1]
        assert outcome.detail


def test_a_code_wins_over_the_phone() -> None:
    outcome = match_payment(_pay(CODE_B, phone=ALICE.phone), _directory())
    assert isinstance(outcome, Matched) and outcome.target == Target(2, 11)


def test_a_typo_suggests_the_code_one_error_away() -> None:
    typo = _typo(CODE_A)
    assert CODE_A in codes_wanted(_pay(typo))
    outcome = match_payment(_pay(typo), _directory())
    assert isinstance(outcome, Unmatched)
    assert [h.target for h in outcome.hints] == [Target(1, 10)]
    assert outcome.hints[0].evidence[0].kind == "code_near_miss"


def test_near_misses_are_valid_codes_one_substitution_or_swap_away() -> None:
    code = generate_code(1234567)
    swapped = code[1] + code[0] + code[2:]
    misses = set(near_miss_codes(swapped))
    assert code in misses
    assert all(damm_is_valid(c) and c[0] != "0" for c in misses)


def test_an_ambiguous_payer_gets_one_hint_per_group() -> None:
    outcome = match_payment(_pay(None, phone=BOSCO.phone), _directory())
    assert isinstance(outcome, Unmatched)
    assert {h.target for h in outcome.hints} == {Target(2, 10), Target(2, 11)}


def _roster() -> Roster:
    return Roster.build([ALICE, BOSCO, CLAUDE, DIANE], GROUPS)


def test_masked_phone_and_reordered_upper_case_name_suggest_the_member() -> None:
    facts = _pay(None, phone="*********111", name="UWASE ALICE")
    outcome = match_payment(facts, _directory())
    assert isinstance(outcome, Unmatched)
    ranked = suggest(facts, outcome, _roster())
    assert ranked[0].target == Target(1, 10)
    kinds = {e.kind for e in ranked[0].evidence}
    assert {"phone_tail", "name", "amount"} <= kinds
    # Diane shares the phone tail and the family name, but not the first name: she ranks lower.
    assert any(s.target.member_id == 4 for s in ranked[1:])
    assert is_confident(ranked)


def test_a_name_without_the_phone_tail_is_not_confident() -> None:
    facts = _pay(None, phone="*********555", name="Alice Uwase")
    outcome = match_payment(facts, _directory())
    assert isinstance(outcome, Unmatched)
    ranked = suggest(facts, outcome, _roster())
    assert ranked[0].target.member_id == 1
    assert any(e.kind == "phone_tail_differs" for e in ranked[0].evidence)
    assert not is_confident(ranked)


def test_ambiguous_groups_rank_by_amount_but_stay_for_a_person() -> None:
    facts = _pay(None, phone=BOSCO.phone, amount=5000)
    outcome = match_payment(facts, _directory())
    assert isinstance(outcome, Unmatched)
    ranked = suggest(facts, outcome, _roster())
    assert ranked[0].target == Target(2, 11)  # 5,000 is group 11's contribution
    assert not is_confident(ranked)


def test_nothing_to_go_on_gives_no_suggestion() -> None:
    facts = _pay(None, phone="*********000", name="Zzyzx Qwerty")
    outcome = match_payment(facts, _directory())
    assert isinstance(outcome, Unmatched)
    assert suggest(facts, outcome, _roster()) == ()


def test_a_misspelt_reordered_name_still_finds_the_member() -> None:
    roster = _roster()
    assert [m for m, _ in roster.name_matches("HABIMAN JEAN BOSCO")][:1] == [2]
    assert roster.name_matches("Zzyzx Qwerty") == ()
    assert {m for m, _ in roster.name_matches("UWASE")} == {1, 4}  # one word: everyone who has it


def test_names_fold_case_accents_punctuation_and_order() -> None:
    from core.payments.suggest import fold_name, name_similarity

    assert fold_name("Hélène  MUKA-MANA") == "HELENE MUKA MANA"
    assert name_similarity("HABIMANA Jean Bosco", "Jean Bosco Habimana") == 100
    assert name_similarity("Zzyzx", "Jean Habimana") < 60
