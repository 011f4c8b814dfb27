"""Ranked suggestions for a payment no code or phone identifies: masked phone digits, payer name, schedule.

A suggestion is never allocated by itself: a person confirms it (one by one, or in bulk where the top
suggestion is clearly ahead). Names are compared with rapidfuzz after folding case and accents; token sort
makes "HABIMANA Jean" equal "Jean Habimana", as Kinyarwanda names are often written in either order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from core.money import Money
from core.payments.matching import POINTS, GroupInfo, MemberInfo
from core.payments.matching_types import Evidence, PaymentFacts, Suggestion, Target, Unmatched

__all__ = ["MAX_SUGGESTIONS", "Roster", "is_confident", "name_similarity", "suggest"]

MAX_SUGGESTIONS = 5
CONFIDENT_SCORE = 60
CONFIDENT_MARGIN = 20
NAME_CUTOFF = 60
KIGALI = ZoneInfo("Africa/Kigali")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def fold_name(name: str) -> str:
    """Upper-case, accents removed, punctuation to spaces, single spaces: 'Hélène  MUKA-MANA' -> 'HELENE MUKA MANA'."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.upper().split())


def name_similarity(payer: str, member: str) -> int:
    """0..100: word order ignored; a payer name that is part of the member's name scores a little lower."""
    a, b = fold_name(payer), fold_name(member)
    if not a or not b:
        return 0
    return round(max(fuzz.token_sort_ratio(a, b), 0.9 * fuzz.token_set_ratio(a, b)))


@dataclass(frozen=True, slots=True)
class Roster:
    """One organization's members (with their active groups) prepared for phone-tail and name search."""

    members: Mapping[int, MemberInfo]
    groups: Mapping[int, GroupInfo]
    by_phone: Mapping[str, int]
    by_tail: Mapping[str, tuple[int, ...]]
    ids: tuple[int, ...]
    folded_names: tuple[str, ...]

    @classmethod
    def build(cls, members: Iterable[MemberInfo], groups: Iterable[GroupInfo]) -> Roster:
        by_id = {m.id: m for m in members}
        tails: dict[str, list[int]] = {}
        for m in by_id.values():
            digits = "".join(ch for ch in m.phone if ch.isdigit())
            tails.setdefault(digits[-3:], []).append(m.id)
        ids = tuple(by_id)
        return cls(
            members=by_id,
            groups={g.id: g for g in groups},
            by_phone={m.phone: m.id for m in by_id.values()},
            by_tail={k: tuple(v) for k, v in tails.items()},
            ids=ids,
            folded_names=tuple(fold_name(by_id[i].name) for i in ids),
        )


def suggest(facts: PaymentFacts, unmatched: Unmatched, roster: Roster) -> tuple[Suggestion, ...]:
    """Up to MAX_SUGGESTIONS targets for an unmatched payment, best first, each with its evidence."""
    found: dict[Target, dict[str, Evidence]] = {}

    def add(target: Target, evidence: Evidence) -> None:
        found.setdefault(target, {}).setdefault(evidence.kind, evidence)

    def add_member(member_id: int, evidence: Evidence) -> None:
        member = roster.members.get(member_id)
        if member is not None:
            for group_id in member.group_ids or (None,):
                add(Target(member_id, group_id), evidence)

    for hint in unmatched.hints:
        for evidence in hint.evidence:
            add(hint.target, evidence)
    if facts.payer_phone and not facts.phone_is_masked and facts.payer_phone in roster.by_phone:
        member_id = roster.by_phone[facts.payer_phone]
        add_member(
            member_id,
            Evidence("phone", POINTS["phone"], f"paid from {facts.payer_phone}, this member's phone"),
        )
    tail = facts.phone_tail
    if tail and facts.phone_is_masked:
        for member_id in roster.by_tail.get(tail, ()):
            phone = roster.members[member_id].phone
            add_member(
                member_id,
                Evidence("phone_tail", POINTS["phone_tail"], f"payer's phone ends {tail}, like {phone}"),
            )
    if facts.payer_name and roster.ids:
        folded = fold_name(facts.payer_name)
        hits = process.extract(
            folded, roster.folded_names, scorer=fuzz.token_set_ratio, score_cutoff=NAME_CUTOFF, limit=15
        )
        for _, _, index in hits:
            member = roster.members[roster.ids[index]]
            score = name_similarity(facts.payer_name, member.name)
            if score >= NAME_CUTOFF:
                detail = f"payer {facts.payer_name!r} ~ member {member.name!r} ({score}%)"
                add_member(member.id, Evidence("name", score - 50, detail))
    ranked = [_finish(facts, target, evidence, roster) for target, evidence in found.items()]
    ranked.sort(key=lambda s: (-s.score, s.target.member_id, s.target.group_id or 0))
    return tuple(ranked[:MAX_SUGGESTIONS])


def _finish(facts: PaymentFacts, target: Target, found: dict[str, Evidence], roster: Roster) -> Suggestion:
    member = roster.members.get(target.member_id)
    group = roster.groups.get(target.group_id) if target.group_id is not None else None
    tail = facts.phone_tail
    if member is not None and tail and "phone" not in found and "phone_tail" not in found:
        found["phone_tail_differs"] = Evidence(
            "phone_tail_differs",
            POINTS["phone_tail_differs"],
            f"payer's phone ends {tail}, the member's does not",
        )
    if group is not None:
        for extra in (_amount(facts, group), _timing(facts.occurred_at, group)):
            if extra is not None:
                found.setdefault(extra.kind, extra)
    ranked = tuple(sorted(found.values(), key=lambda e: -e.points))
    return Suggestion(
        target,
        sum(e.points for e in ranked),
        ranked,
        member.name if member else "",
        group.name if group else None,
    )


def _amount(facts: PaymentFacts, group: GroupInfo) -> Evidence | None:
    step = group.contribution_amount
    if step <= 0:
        return None
    paid = Money(facts.amount, facts.currency)
    if facts.amount == step:
        return Evidence(
            "amount", POINTS["amount_exact"], f"{paid} is {group.name}'s {group.frequency} contribution"
        )
    if facts.amount % step == 0 and 2 <= facts.amount // step <= 12:
        times = facts.amount // step
        return Evidence(
            "amount", POINTS["amount_multiple"], f"{paid} is {times} of {group.name}'s contributions"
        )
    return None


def _timing(occurred_at: datetime | None, group: GroupInfo) -> Evidence | None:
    """A payment in the days before (or on) the group's meeting day fits its schedule."""
    if occurred_at is None or group.meeting_day is None or not 1 <= group.meeting_day <= 7:
        return None
    local = occurred_at.astimezone(KIGALI)
    days_before = (group.meeting_day - local.isoweekday()) % 7
    if days_before > 2:
        return None
    day = _WEEKDAYS[group.meeting_day - 1]
    when = "on" if days_before == 0 else f"{days_before} day{'s' if days_before > 1 else ''} before"
    return Evidence("timing", POINTS["timing"], f"paid {when} {group.name}'s {day} meeting")


def is_confident(suggestions: tuple[Suggestion, ...]) -> bool:
    """True when the top suggestion is strong and clearly ahead of the next: safe to allocate in bulk."""
    if not suggestions:
        return False
    top = suggestions[0]
    if top.score < CONFIDENT_SCORE or (top.target.group_id is None and top.target.loan_id is None):
        return False
    return len(suggestions) == 1 or top.score - suggestions[1].score >= CONFIDENT_MARGIN
