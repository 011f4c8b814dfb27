"""Ranked suggestions for a payment no code or phone identifies: masked phone digits, payer name, schedule.

A suggestion is never allocated by itself: a person confirms it (one by one, or in bulk where the top
suggestion is clearly ahead). Names are compared with rapidfuzz after folding case and accents; token sort
makes "HABIMANA Jean" equal "Jean Habimana", as Kinyarwanda names are often written in either order.
"""

from __future__ import annotations

import re
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
MAX_CANDIDATES = 60  # members scored per payer name
KIGALI = ZoneInfo("Africa/Kigali")
_SEPARATORS = re.compile(r"[\W_]+")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def fold_name(name: str) -> str:
    """Upper-case, accents removed, punctuation to spaces, single spaces: 'Hélène  MUKA-MANA' -> 'HELENE MUKA MANA'."""
    if not name.isascii():
        name = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.sub(" ", name).upper().split())


def name_similarity(payer: str, member: str) -> int:
    """0..100: word order ignored; a payer name that is part of the member's name scores a little lower."""
    a, b = fold_name(payer), fold_name(member)
    if not a or not b:
        return 0
    return round(max(fuzz.token_sort_ratio(a, b), 0.9 * fuzz.token_set_ratio(a, b)))


@dataclass(frozen=True, slots=True)
class Roster:
    """One organization's members (with their active groups) prepared for phone-tail and name search.

    Names are searched through their words: each payer word is matched (fuzzily) against the organization's
    vocabulary of name words, members sharing enough of those words are the candidates, and only they are
    scored with name_similarity. That keeps a search at a fraction of a millisecond for thousands of members.
    """

    members: Mapping[int, MemberInfo]
    groups: Mapping[int, GroupInfo]
    by_phone: Mapping[str, int]
    by_tail: Mapping[str, tuple[int, ...]]
    by_word: Mapping[str, tuple[int, ...]]
    vocabulary: tuple[str, ...]
    cache: dict[str, tuple[tuple[int, int], ...]]

    @classmethod
    def build(cls, members: Iterable[MemberInfo], groups: Iterable[GroupInfo]) -> Roster:
        by_id = {m.id: m for m in members}
        tails: dict[str, list[int]] = {}
        words: dict[str, list[int]] = {}
        for m in by_id.values():
            digits = "".join(ch for ch in m.phone if ch.isdecimal())
            tails.setdefault(digits[-3:], []).append(m.id)
            for word in set(fold_name(m.name).split()):
                words.setdefault(word, []).append(m.id)
        return cls(
            members=by_id,
            groups={g.id: g for g in groups},
            by_phone={m.phone: m.id for m in by_id.values()},
            by_tail={k: tuple(v) for k, v in tails.items()},
            by_word={k: tuple(v) for k, v in words.items()},
            vocabulary=tuple(words),
            cache={},
        )

    def name_matches(self, payer_name: str) -> tuple[tuple[int, int], ...]:
        """(member id, similarity) of members whose name is like the payer's, best first (at most 15)."""
        folded = fold_name(payer_name)
        if folded in self.cache:
            return self.cache[folded]
        words = folded.split()
        hits: dict[int, int] = {}
        for word in set(words):
            for match, _, _ in process.extract(
                word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=80, limit=5
            ):
                for member_id in self.by_word[match]:
                    hits[member_id] = hits.get(member_id, 0) + 1
        need = min(2, len(set(words)))
        candidates = sorted((m for m, n in hits.items() if n >= need), key=lambda m: (-hits[m], m))[
            :MAX_CANDIDATES
        ]
        scored = ((m, name_similarity(payer_name, self.members[m].name)) for m in candidates)
        found = tuple(
            sorted(((m, s) for m, s in scored if s >= NAME_CUTOFF), key=lambda x: (-x[1], x[0]))[:15]
        )
        if len(self.cache) < 10_000:
            self.cache[folded] = found
        return found


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
    if facts.payer_name:
        for member_id, score in roster.name_matches(facts.payer_name):
            detail = f"payer {facts.payer_name!r} ~ member {roster.members[member_id].name!r} ({score}%)"
            add_member(member_id, Evidence("name", score - 50, detail))
    per_group: dict[int, tuple[Evidence, ...]] = {}  # amount and timing evidence is the same for a whole group
    # Amount, timing and a differing phone tail move a score by at most 15 points either way: the best
    # 2 * MAX_SUGGESTIONS by the evidence found so far hold the final top MAX_SUGGESTIONS in practice.
    shortlist = sorted(found.items(), key=lambda kv: (-sum(e.points for e in kv[1].values()), kv[0].member_id))
    ranked = [
        _finish(facts, tail, target, evidence, roster, per_group)
        for target, evidence in shortlist[: 2 * MAX_SUGGESTIONS]
    ]
    ranked.sort(key=lambda s: (-s.score, s.target.member_id, s.target.group_id or 0))
    return tuple(ranked[:MAX_SUGGESTIONS])


def _finish(
    facts: PaymentFacts,
    tail: str | None,
    target: Target,
    found: dict[str, Evidence],
    roster: Roster,
    per_group: dict[int, tuple[Evidence, ...]],
) -> Suggestion:
    member = roster.members.get(target.member_id)
    group = roster.groups.get(target.group_id) if target.group_id is not None else None
    if member is not None and tail and "phone" not in found and "phone_tail" not in found:
        found["phone_tail_differs"] = Evidence(
            "phone_tail_differs",
            POINTS["phone_tail_differs"],
            f"payer's phone ends {tail}, the member's does not",
        )
    if group is not None:
        if group.id not in per_group:
            extras = (_amount(facts, group), _timing(facts.occurred_at, group))
            per_group[group.id] = tuple(e for e in extras if e is not None)
        for extra in per_group[group.id]:
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
