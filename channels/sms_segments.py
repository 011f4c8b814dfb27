"""SMS encoding arithmetic: GSM-7 vs UCS-2 segment sizes, and splitting long text at sensible boundaries."""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"  # each costs two septets (escape + char)
_BASIC, _EXT = frozenset(GSM7_BASIC), frozenset(GSM7_EXTENSION)
# Characters that would force UCS-2 (70 per segment) for no visible gain: replace them first (Twilio's
# "smart encoding" does the same on its side; we do it so our segment count is what the member pays).
_SMART_FROM = "’‘‚“”„–—•\u00a0\têâîôûëïçÊÂÎÔÛÈÀÙ"
_SMART_TO = "'''\"\"\"---  eaioueicEAIOUEAU"
SMART = {**dict(zip(_SMART_FROM, _SMART_TO, strict=True)), "…": "..."}
MAX_PART_SEGMENTS = 4  # one SMS we send is at most this many concatenated segments (Twilio allows 10)


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str  # "GSM-7" or "UCS-2"
    single: int  # units in a one-segment message
    multi: int  # units per segment of a concatenated message (UDH takes the rest)


GSM7 = Encoding("GSM-7", 160, 153)
UCS2 = Encoding("UCS-2", 70, 67)


def smart_encode(text: str) -> str:
    return "".join(SMART.get(ch, ch) for ch in text)


def encoding_of(text: str) -> Encoding:
    return GSM7 if all(ch in _BASIC or ch in _EXT for ch in text) else UCS2


def units(text: str, encoding: Encoding) -> int:
    """Septets (GSM-7: extension chars count two) or UTF-16 code units (UCS-2: astral chars count two)."""
    if encoding is GSM7:
        return sum(2 if ch in _EXT else 1 for ch in text)
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def segment_count(text: str) -> int:
    """How many segments the network bills for this text."""
    enc = encoding_of(text)
    n = units(text, enc)
    if n <= enc.single:
        return 1
    return -(-n // enc.multi)


def split_sms(text: str, max_segments: int = MAX_PART_SEGMENTS) -> list[str]:
    """Split text into messages of at most `max_segments` segments each, preferring paragraph, then line,
    then sentence, then word boundaries; GSM-7 when possible (after smart replacement)."""
    text = smart_encode(text).strip()
    enc = encoding_of(text)
    budget = enc.single if max_segments == 1 else enc.multi * max_segments
    if units(text, enc) <= budget:
        return [text] if text else []
    parts: list[str] = []
    rest = text
    while rest:
        if units(rest, enc) <= budget:
            parts.append(rest)
            break
        cut = _best_cut(rest, enc, budget)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [p for p in parts if p]


def _best_cut(text: str, enc: Encoding, budget: int) -> int:
    """The largest prefix within budget, ending at the strongest boundary found in its second half."""
    limit = 0
    used = 0
    for i, ch in enumerate(text):
        used += units(ch, enc)
        if used > budget:
            break
        limit = i + 1
    window = text[:limit]
    for sep in ("\n\n", "\n", ". ", "; ", ", ", " "):
        at = window.rfind(sep)
        if at >= limit // 2:
            return at + len(sep)
    return limit
