"""Deciding who an incoming payment belongs to: a payment code first, then the payer's full phone number.

Pure: the database work is loading a `Directory` for a batch (core.payments.matching_directory). Anything
less certain than a code or a full phone is never allocated here; it becomes an exception with hints, and
core.payments.suggest ranks candidates for a person to confirm.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from core.payments.codes import CodeCheck, ReferenceResult, classify_reference, damm_is_valid
from core.payments.matching_types import (
    Evidence,
    ExceptionReason,
    Matched,
    MatchMethod,
    MatchOutcome,
    PaymentFacts,
    Suggestion,
    Target,
    Unmatched,
)
from core.payments.member_codes import CodeTarget
from core.payments.models import CodePurpose

__all__ = [
    "Directory",
    "GroupInfo",
    "MemberInfo",
    "POINTS",
    "codes_wanted",
    "match_payment",
    "near_miss_codes",
]

# Evidence weights shared with core.payments.suggest (a total of 60 or more, well ahead of the next, is confident).
POINTS = {
    "code": 80,
    "code_near_miss": 50,
    "phone": 60,
    "phone_tail": 20,
    "phone_tail_differs": -15,
    "amount_exact": 10,
    "amount_multiple": 5,
    "timing": 5,
}


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group as matching sees it: its contribution schedule (amount 0 means no fixed amount)."""

    id: int
    name: str
    contribution_amount: int
    frequency: str
    meeting_day: int | None = None  # ISO weekday 1..7


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A member as matching sees it: name, E.164 phone and the active groups they belong to."""

    id: int
    name: str
    phone: str
    group_ids: tuple[int, ...] = ()


@dataclass(slots=True)
class Directory:
    """What one organization's batch needs: codes seen (and near misses), payers' members, their groups."""

    organization_id: int
    currency: str
    codes: Mapping[str, CodeTarget] = field(default_factory=dict)
    phone_members: Mapping[str, MemberInfo] = field(default_factory=dict)
    members: Mapping[int, MemberInfo] = field(default_factory=dict)
    groups: Mapping[int, GroupInfo] = field(default_factory=dict)

    def member_name(self, member_id: int) -> str:
        info = self.members.get(member_id)
        return info.name if info else ""

    def group_name(self, group_id: int | None) -> str | None:
        info = self.groups.get(group_id) if group_id is not None else None
        return info.name if info else None

    def suggestion(self, target: Target, *evidence: Evidence) -> Suggestion:
        return Suggestion(
            target,
            sum(e.points for e in evidence),
            evidence,
            self.member_name(target.member_id),
            self.group_name(target.group_id),
        )


def near_miss_codes(digits: str) -> Iterator[str]:
    """Valid codes one typing error away from `digits`: one digit changed, or two neighbours swapped."""
    seen: set[str] = set()
    for i, ch in enumerate(digits):
        for d in "0123456789":
            if d != ch:
                seen.add(digits[:i] + d + digits[i + 1 :])
        if i + 1 < len(digits) and digits[i + 1] != ch:
            seen.add(digits[:i] + digits[i + 1] + ch + digits[i + 2 :])
    for candidate in sorted(seen):
        if candidate[0] != "0" and damm_is_valid(candidate):
            yield candidate


@lru_cache(maxsize=8192)
def _classify(reference: str | None) -> ReferenceResult:
    """classify_reference, remembered: members repeat their reference, and a batch asks twice per payment."""
    return classify_reference(reference)


def codes_wanted(facts: PaymentFacts) -> list[str]:
    """The codes a directory must resolve for this payment: the typed one, or a typo's near misses."""
    ref = _classify(facts.reference)
    if ref.status is CodeCheck.VALID and ref.digits:
        return [ref.digits]
    if ref.status is CodeCheck.BAD_CHECK_DIGIT and ref.digits:
        return list(near_miss_codes(ref.digits))
    return []


def match_payment(facts: PaymentFacts, directory: Directory) -> MatchOutcome:
    """The certain target of a payment, or why there is none (with the hints found on the way)."""
    if facts.currency != directory.currency:
        return Unmatched(
            ExceptionReason.CURRENCY_MISMATCH,
            f"paid in {facts.currency}; the organization keeps {directory.currency}",
        )
    ref = _classify(facts.reference)
    if ref.status is CodeCheck.VALID and ref.digits:
        return _by_code(ref.digits, facts, directory)
    if ref.status is CodeCheck.BAD_CHECK_DIGIT and ref.digits:
        return _near_miss(ref.digits, facts, directory)
    by_phone = _by_phone(facts, directory)
    if by_phone is not None:
        return by_phone
    if not (facts.reference or "").strip():
        return Unmatched(ExceptionReason.NO_REFERENCE, "no payment code was typed")
    return Unmatched(
        ExceptionReason.UNRECOGNISED_REFERENCE,
        f"the reference {facts.reference!r} holds no single payment code",
        code_digits=ref.digits,
    )


def _by_code(code: str, facts: PaymentFacts, directory: Directory) -> MatchOutcome:
    found = directory.codes.get(code)
    if found is None or found.organization_id != directory.organization_id:
        hints = _phone_hints(facts, directory)
        return Unmatched(ExceptionReason.UNKNOWN_CODE, f"code {code} is not an active code here", hints, code)
    target = Target(found.member_id, found.group_id, found.loan_id, found.purpose)
    what = "loan" if found.purpose == CodePurpose.LOAN_REPAYMENT else "group"
    evidence = Evidence("code", POINTS["code"], f"typed code {code}, the member's {what} code")
    return Matched(target, MatchMethod.CODE, (evidence,))


def _near_miss(digits: str, facts: PaymentFacts, directory: Directory) -> Unmatched:
    hints: list[Suggestion] = []
    for candidate in near_miss_codes(digits):
        found = directory.codes.get(candidate)
        if found is None or found.organization_id != directory.organization_id:
            continue
        target = Target(found.member_id, found.group_id, found.loan_id, found.purpose)
        detail = f"typed {digits}; {candidate} (one typing error away) is this member's code"
        hints.append(
            directory.suggestion(target, Evidence("code_near_miss", POINTS["code_near_miss"], detail))
        )
    hints.extend(_phone_hints(facts, directory))
    return Unmatched(
        ExceptionReason.BAD_CHECK_DIGIT,
        f"{digits} fails the check digit (a typing error)",
        tuple(hints),
        digits,
    )


def _phone_member(facts: PaymentFacts, directory: Directory) -> MemberInfo | None:
    if facts.payer_phone is None or facts.phone_is_masked:
        return None
    return directory.phone_members.get(facts.payer_phone)


def _phone_hints(facts: PaymentFacts, directory: Directory) -> tuple[Suggestion, ...]:
    member = _phone_member(facts, directory)
    if member is None:
        return ()
    evidence = Evidence("phone", POINTS["phone"], f"paid from {member.phone}, this member's phone")
    groups: tuple[int | None, ...] = member.group_ids or (None,)
    return tuple(directory.suggestion(Target(member.id, g), evidence) for g in groups)


def _by_phone(facts: PaymentFacts, directory: Directory) -> MatchOutcome | None:
    member = _phone_member(facts, directory)
    if member is None:
        return None
    evidence = Evidence("phone", POINTS["phone"], f"paid from {member.phone}, this member's phone")
    if len(member.group_ids) == 1:
        return Matched(Target(member.id, member.group_ids[0]), MatchMethod.PHONE, (evidence,))
    if not member.group_ids:
        hint = directory.suggestion(Target(member.id, None), evidence)
        return Unmatched(ExceptionReason.NO_GROUP, f"{member.name} is in no active group", (hint,))
    hints = tuple(directory.suggestion(Target(member.id, g), evidence) for g in member.group_ids)
    return Unmatched(
        ExceptionReason.AMBIGUOUS_MEMBER,
        f"{member.name} is in {len(member.group_ids)} groups and typed no code",
        hints,
    )
