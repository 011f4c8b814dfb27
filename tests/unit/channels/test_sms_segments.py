"""SMS arithmetic: GSM-7 vs UCS-2 segment sizes, smart replacement, splitting at sensible boundaries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from channels.sms_segments import GSM7, UCS2, encoding_of, segment_count, smart_encode, split_sms, units


def test_segment_sizes_follow_the_encoding() -> None:
    assert segment_count("a" * 160) == 1 and segment_count("a" * 161) == 2 and segment_count("a" * 306) == 2
    assert segment_count("a" * 307) == 3
    assert encoding_of("Muraho, murakoze!") is GSM7 and encoding_of("Ŵ") is UCS2
    assert segment_count("ŵ" * 70) == 1 and segment_count("ŵ" * 71) == 2 and segment_count("ŵ" * 134) == 2
    assert units("€[]", GSM7) == 6  # extension characters cost two septets


def test_smart_quotes_and_french_accents_stay_gsm7() -> None:
    text = smart_encode("L’épargne “êtes-vous” prêt… – ça")
    assert encoding_of(text) is GSM7 and "'" in text and "..." in text


def test_long_text_splits_at_paragraphs_then_lines() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 100 for i in range(4)]
    parts = split_sms("\n\n".join(paragraphs), max_segments=4)
    assert len(parts) >= 2 and all(segment_count(p) <= 4 for p in parts)
    assert all(p.startswith("Paragraph") for p in parts)


@given(st.text(max_size=3000), st.integers(min_value=1, max_value=6))
def test_every_part_fits_and_nothing_is_lost(text: str, max_segments: int) -> None:
    parts = split_sms(text, max_segments=max_segments)
    assert all(segment_count(p) <= max_segments for p in parts)
    squash = "".join(smart_encode(text).split())
    assert "".join("".join(parts).split()) == squash
