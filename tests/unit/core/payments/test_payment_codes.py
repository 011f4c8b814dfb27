"""Payment codes: Damm check digit, generation, reference normalisation, MoMo Pay dial strings."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.payments.codes import (
    MAX_LENGTH,
    MIN_LENGTH,
    CodeCheck,
    classify_reference,
    damm_check_digit,
    damm_is_valid,
    generate_code,
    momo_dial_string,
    new_code,
    normalize_reference,
    payload_bounds,
    tel_link,
)

lengths = st.integers(min_value=MIN_LENGTH, max_value=MAX_LENGTH)


@st.composite
def codes(draw: st.DrawFn) -> str:
    length = draw(lengths)
    low, high = payload_bounds(length)
    return generate_code(draw(st.integers(min_value=low, max_value=high - 1)), length)


def test_damm_known_vectors() -> None:
    # The worked example of the Damm algorithm: 572 -> 4.
    assert damm_check_digit("572") == "4"
    assert damm_is_valid("5724")
    assert not damm_is_valid("5723")
    assert damm_check_digit("0") == "0"


@pytest.mark.parametrize("bad", ["", "12a", "١٢٣", " 12", "-1"])
def test_damm_check_digit_rejects_non_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        damm_check_digit(bad)


@pytest.mark.parametrize("bad", ["", "5", "57a4", "５７２４"])
def test_damm_is_valid_rejects_malformed(bad: str) -> None:
    assert not damm_is_valid(bad)


@settings(max_examples=300)
@given(codes())
def test_every_single_digit_error_is_detected(code: str) -> None:
    assert damm_is_valid(code)
    for i, ch in enumerate(code):
        for d in "0123456789":
            if d != ch:
                assert not damm_is_valid(code[:i] + d + code[i + 1 :]), (code, i, d)


@settings(max_examples=300)
@given(codes())
def test_every_adjacent_transposition_is_detected(code: str) -> None:
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not damm_is_valid(swapped), (code, i)


@settings(max_examples=200)
@given(codes())
def test_codes_never_start_with_zero_and_have_the_length(code: str) -> None:
    assert code[0] != "0"
    assert MIN_LENGTH <= len(code) <= MAX_LENGTH
    assert code.isdigit()


@given(st.integers(min_value=0, max_value=2**32), lengths)
def test_new_code_from_seeded_rng(seed: int, length: int) -> None:
    code = new_code(random.Random(seed), length)
    assert len(code) == length and code[0] != "0" and damm_is_valid(code)


def test_new_code_is_not_sequential_and_avoids_excluded() -> None:
    rng = random.Random(7)
    drawn = [new_code(rng) for _ in range(50)]
    assert len(set(drawn)) == 50
    payloads = sorted(int(c[:-1]) for c in drawn)
    assert max(b - a for a, b in zip(payloads, payloads[1:], strict=False)) > 1000
    taken = set(drawn[:1])
    assert new_code(random.Random(7), exclude=taken) != drawn[0]
    assert len(new_code()) == 8  # secrets.SystemRandom by default


def test_new_code_gives_up_when_everything_is_taken() -> None:
    class Everything:
        def __contains__(self, item: object) -> bool:
            return True

    with pytest.raises(RuntimeError):
        new_code(random.Random(1), exclude=Everything())


def test_generate_code_bounds() -> None:
    assert generate_code(1234567) == "1234567" + damm_check_digit("1234567")
    assert generate_code(100000, 7) == "100000" + damm_check_digit("100000")
    for bad in (999999, 10_000_000, -1):
        with pytest.raises(ValueError):
            generate_code(bad)
    with pytest.raises(ValueError):
        generate_code(True)  # type: ignore[arg-type]
    for bad_length in (6, 10):
        with pytest.raises(ValueError):
            generate_code(1234567, bad_length)


VALID = generate_code(4820157)  # 8 digits, starts with 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ref 1234-5678", "12345678"),
        ("12 34 56 78", "12345678"),
        ("REF:12345678.", "12345678"),
        ("Kwishyura 12345678", "12345678"),
        ("Ref: 1234.5678", "12345678"),
        ("code  1234 - 5678 ", "12345678"),
        ("kode:12345678", "12345678"),
        ("nimero 1234567", "1234567"),
        ("igice 123456789", "123456789"),
        ("for 12345678 umusanzu", "12345678"),
        ("12345678 for", "12345678"),
        ("ref12345678", "12345678"),
        ("12345678 5000", "12345678"),  # a code then an amount
        ("12345678\u00a0", "12345678"),
        ("12345678 12345678", "12345678"),  # the same code twice
        ("0788123456", None),  # a phone number: 10 digits
        ("+250 788 123 456", None),
        ("12345678 87654321", None),  # two codes
        ("12345678, 87654321", None),
        ("123456", None),  # too short
        ("1234567890", None),
        ("paid 2024-05-10", None),  # a date, not a code
        ("10.05.2024", None),
        ("", None),
        ("umusanzu wa kabiri", None),
        ("-", None),
    ],
)
def test_normalize_reference(text: str, expected: str | None) -> None:
    assert normalize_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "status", "digits"),
    [
        (VALID, CodeCheck.VALID, VALID),
        (f"Ref: {VALID[:4]}-{VALID[4:]}.", CodeCheck.VALID, VALID),
        (VALID[:-1] + str((int(VALID[-1]) + 1) % 10), CodeCheck.BAD_CHECK_DIGIT, None),
        (VALID[1] + VALID[0] + VALID[2:], CodeCheck.BAD_CHECK_DIGIT, None),
        (None, CodeCheck.NO_REFERENCE, None),
        ("", CodeCheck.NO_REFERENCE, None),
        ("  ", CodeCheck.NO_REFERENCE, None),
        ("umusanzu", CodeCheck.NO_REFERENCE, None),
        ("0788123456", CodeCheck.NOT_A_CODE, None),
        ("500", CodeCheck.NOT_A_CODE, None),
        (f"{VALID} {generate_code(5555555)}", CodeCheck.NOT_A_CODE, None),
        ("01234567" + damm_check_digit("01234567"), CodeCheck.NOT_A_CODE, None),  # we never issue 0...
    ],
)
def test_classify_reference(text: str | None, status: CodeCheck, digits: str | None) -> None:
    result = classify_reference(text)
    assert result.status is status
    if status is CodeCheck.VALID:
        assert result.code == digits == result.digits
    else:
        assert result.code is None
    if status is CodeCheck.BAD_CHECK_DIGIT:
        assert result.digits is not None and len(result.digits) == len(VALID)


@given(
    codes(),
    st.sampled_from(["", "ref ", "Ref:", "Kwishyura ", "code "]),
    st.sampled_from(["", ".", " murakoze"]),
)
def test_classify_finds_generated_codes_in_typed_text(code: str, prefix: str, suffix: str) -> None:
    assert classify_reference(f"{prefix}{code}{suffix}").code == code


def test_momo_dial_string_and_tel_link() -> None:
    dial = momo_dial_string("123456", 5000, VALID)
    assert dial == "*182*8*1*123456*5000#"
    assert tel_link(dial) == "tel:*182*8*1*123456*5000%23"
    assert momo_dial_string("98765", 200, None) == "*182*8*1*98765*200#"
    assert tel_link("*182#") == "tel:*182%23"


@pytest.mark.parametrize(
    ("merchant", "amount", "reference"),
    [
        ("12a456", 100, None),
        ("123", 100, None),
        ("123456", 0, None),
        ("123456", -5, None),
        ("123456", True, None),
        ("123456", 100, "ref 12"),
    ],
)
def test_momo_dial_string_rejects_bad_input(merchant: str, amount: int, reference: str | None) -> None:
    with pytest.raises(ValueError):
        momo_dial_string(merchant, amount, reference)
