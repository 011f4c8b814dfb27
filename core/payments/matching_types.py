"""Values of payment matching: the facts of a payment, where it goes, why it could not go, and the evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.payments.models import CodePurpose

__all__ = [
    "Evidence",
    "ExceptionReason",
    "Matched",
    "MatchMethod",
    "MatchOutcome",
    "PaymentFacts",
    "Suggestion",
    "Target",
    "Unmatched",
]


class ExceptionReason(StrEnum):
    """Why a payment is in the exception queue rather than on a member's account."""

    UNPARSED = "unparsed"  # no template fits the SMS: a person reads it
    NO_REFERENCE = "no_reference"  # nothing typed, and the payer's phone is not a member's
    UNRECOGNISED_REFERENCE = "unrecognised_reference"  # text was typed, but no single code in it
    UNKNOWN_CODE = "unknown_code"  # a well-formed code that is not (or no longer) one of ours
    BAD_CHECK_DIGIT = "bad_check_digit"  # a typo in a code: the check digit does not fit
    AMBIGUOUS_MEMBER = "ambiguous_member"  # the payer is known, but not which of their groups
    NO_GROUP = "no_group"  # the payer is a member of no active group
    DUPLICATE = "duplicate"  # the provider transaction was seen before
    AMOUNT_MISMATCH = "amount_mismatch"  # the group's amount rules refuse this amount
    LOAN_UNSUPPORTED = "loan_unsupported"  # a loan code, and no allocator for loan repayments
    TARGET_REFUSED = "target_refused"  # the code's allocator refused it (e.g. its loan does not exist here)
    CURRENCY_MISMATCH = "currency_mismatch"  # not the organization's currency


class MatchMethod(StrEnum):
    CODE = "code"  # a valid payment code in the reference
    PHONE = "phone"  # the payer's full phone number is a member's
    MANUAL = "manual"  # a person resolved an exception


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """What an incoming payment SMS tells us, as matching needs it (amount in minor units)."""

    sms_id: int
    organization_id: int
    amount: int
    currency: str
    provider: str | None = None
    transaction_id: str | None = None
    reference: str | None = None
    payer_name: str | None = None
    payer_phone: str | None = None  # E.164, or masked ("*********013")
    occurred_at: datetime | None = None

    @property
    def phone_is_masked(self) -> bool:
        return self.payer_phone is not None and not self.payer_phone.startswith("+")

    @property
    def phone_tail(self) -> str | None:
        """The last three digits of the payer's phone, masked or not."""
        if not self.payer_phone:
            return None
        digits = "".join(ch for ch in self.payer_phone if ch.isdecimal())
        return digits[-3:] if len(digits) >= 3 else None


@dataclass(frozen=True, slots=True)
class Target:
    """Where money goes: a member's savings in a group, or (later) a loan."""

    member_id: int
    group_id: int | None
    loan_id: int | None = None
    purpose: str = CodePurpose.CONTRIBUTION

    def as_json(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "group_id": self.group_id,
            "loan_id": self.loan_id,
            "purpose": str(self.purpose),
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason to believe a target: what kind, how many points, and a sentence a person reads."""

    kind: str  # code | code_near_miss | phone | phone_tail | name | amount | timing
    points: int
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "points": self.points, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A ranked candidate for an exception: the target, its score (0..100+) and the evidence behind it."""

    target: Target
    score: int
    evidence: tuple[Evidence, ...]
    member_name: str = ""
    group_name: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            **self.target.as_json(),
            "member_name": self.member_name,
            "group_name": self.group_name,
            "score": self.score,
            "evidence": [e.as_json() for e in self.evidence],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Suggestion:
        target = Target(
            int(data["member_id"]),
            None if data.get("group_id") is None else int(data["group_id"]),
            None if data.get("loan_id") is None else int(data["loan_id"]),
            str(data.get("purpose") or CodePurpose.CONTRIBUTION),
        )
        evidence = tuple(
            Evidence(str(e["kind"]), int(e["points"]), str(e["detail"])) for e in data.get("evidence", ())
        )
        return cls(
            target, int(data["score"]), evidence, str(data.get("member_name") or ""), data.get("group_name")
        )


@dataclass(frozen=True, slots=True)
class Matched:
    """The payment belongs to `target`; `method` says how we know."""

    target: Target
    method: MatchMethod
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Unmatched:
    """No certain target. `hints` are targets matching already knows of (a near-miss code, the payer's groups)."""

    reason: ExceptionReason
    detail: str
    hints: tuple[Suggestion, ...] = field(default=())
    code_digits: str | None = None


MatchOutcome = Matched | Unmatched
