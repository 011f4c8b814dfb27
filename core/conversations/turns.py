"""A conversation turn's hot path in few statements: one query loads the conversation row, whether a hand-off
is open and every active membership of the phone; one UPDATE and one multi-row INSERT save it.

The router runs these in its system scope. The statements stay textually stable so asyncpg's prepared
statement cache serves them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.conversations.models import Conversation, ConversationMessage, Handoff, HandoffStatus
from core.members.models import Member, MemberStatus
from core.organizations.models import Organization

INACTIVE = (MemberStatus.LEFT.value, MemberStatus.SUSPENDED.value)


@dataclass(frozen=True, slots=True)
class Membership:
    """One active SACCO membership of a phone, with what the bot shows of the SACCO."""

    organization_id: int
    member_id: int
    first_name: str
    full_name: str
    organization_name: str
    currency: str
    merchant_code: str | None
    language: str


@dataclass(frozen=True, slots=True)
class TurnRow:
    """The conversation as stored, plus the open hand-off flag and the phone's memberships (by member id)."""

    id: int
    key: str
    phone: str | None
    organization_id: int | None
    member_id: int | None
    language: str | None
    dialog: str | None
    state: str | None
    slots: Mapping[str, Any]
    choices: tuple[str, ...]
    awaiting: bool
    opted_out_at: datetime | None
    updated_at: datetime
    handoff_open: bool
    memberships: tuple[Membership, ...]


@dataclass(frozen=True, slots=True)
class Line:
    """One transcript line to append."""

    direction: str
    channel: str
    text: str
    choice_id: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    message_id: str | None = None
    handoff_id: int | None = None


def _memberships_json() -> Any:
    """A JSON array of the phone's active memberships with their SACCO, ordered by member id."""
    obj = func.json_build_object(
        "o", Member.organization_id, "m", Member.id, "f", Member.first_name, "l", Member.last_name,
        "n", Organization.name, "c", Organization.currency, "mc", Organization.momo_merchant_code,
        "lang", Member.language,
    )
    return (
        select(func.json_agg(aggregate_order_by(obj, Member.id)))
        .join_from(Member, Organization, Organization.id == Member.organization_id)
        .where(Member.phone == Conversation.phone, Member.status.not_in(INACTIVE))
        .correlate(Conversation)
        .scalar_subquery()
    )


_HANDOFF_OPEN = exists().where(
    and_(Handoff.conversation_id == Conversation.id, Handoff.status == HandoffStatus.OPEN.value)
)
_LOAD = (
    select(
        Conversation.id, Conversation.key, Conversation.phone, Conversation.organization_id,
        Conversation.member_id, Conversation.language, Conversation.dialog, Conversation.state,
        Conversation.slots, Conversation.choices, Conversation.awaiting, Conversation.opted_out_at,
        Conversation.updated_at, _HANDOFF_OPEN.label("handoff_open"), _memberships_json().label("memberships"),
    )
    .where(Conversation.key == bindparam("key"))
)


async def load_turn(session: AsyncSession, *, key: str, phone: str | None, channel: str) -> TurnRow:
    """The conversation for `key`, created on first contact.

    Not row-locked: turns of one conversation are serialised by the router's conversation lock, and a
    read-only transaction commits without waiting for a WAL flush. Paths that change the row in this
    transaction (hand-off, opt-out) lock it themselves.
    """
    row = (await session.execute(_LOAD, {"key": key})).first()
    if row is None:
        await session.execute(
            pg_insert(Conversation)
            .values(key=key, phone=phone, channel=channel, slots={}, choices=[], awaiting=False)
            .on_conflict_do_nothing(index_elements=[Conversation.key])
        )
        row = (await session.execute(_LOAD, {"key": key})).one()
    m = row._mapping
    return TurnRow(
        id=m["id"], key=m["key"], phone=m["phone"], organization_id=m["organization_id"], member_id=m["member_id"],
        language=m["language"], dialog=m["dialog"], state=m["state"], slots=dict(m["slots"] or {}),
        choices=tuple(m["choices"] or ()), awaiting=bool(m["awaiting"]), opted_out_at=m["opted_out_at"],
        updated_at=m["updated_at"], handoff_open=bool(m["handoff_open"]),
        memberships=tuple(
            Membership(
                organization_id=int(j["o"]), member_id=int(j["m"]), first_name=j["f"],
                full_name=f"{j['f']} {j['l']}".strip(), organization_name=j["n"], currency=j["c"],
                merchant_code=j["mc"], language=j["lang"],
            )
            for j in _json_list(m["memberships"])
        ),
    )


def _json_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes):  # asyncpg hands json (not jsonb) back as text without a codec
        value = json.loads(value)
    return list(value or ())


async def save_turn(
    session: AsyncSession,
    *,
    conversation_id: int,
    organization_id: int | None,
    member_id: int | None,
    detected_language: str | None,
    dialog: str | None,
    state: str | None,
    slots: Mapping[str, Any],
    choices: Sequence[str],
    awaiting: bool,
    channel: str,
    now: datetime,
    lines: Sequence[Line],
) -> None:
    """Write where the journey stands and append the turn's transcript lines: two statements.

    `organization_id`/`member_id` are who the phone talks as (the transcript lines carry them too); the
    detected language is kept only when the conversation has none yet.
    """
    await session.execute(
        _SAVE_STATE,
        {
            "b_id": conversation_id, "b_org": organization_id, "b_member": member_id,
            "b_detected": detected_language, "b_dialog": dialog, "b_state": state, "b_slots": dict(slots),
            "b_choices": list(choices), "b_awaiting": awaiting, "b_channel": channel, "b_now": now,
        },
    )
    if lines:
        await session.execute(
            _APPEND_LINE,
            [
                {
                    "organization_id": organization_id, "conversation_id": conversation_id, "member_id": member_id,
                    "handoff_id": line.handoff_id, "direction": line.direction, "channel": line.channel,
                    "text": line.text, "choice_id": line.choice_id,
                    "choices": [{"id": cid, "title": title} for cid, title in line.choices],
                    "message_id": line.message_id, "staff_user_id": None,
                }
                for line in lines
            ],
        )


def _param(name: str, column: str) -> Any:
    return bindparam(name, type_=_CONVERSATIONS.c[column].type)


# Built once: the compiled form is cached and asyncpg's prepared statement is reused.
_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_SAVE_STATE = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("b_id"))
    .values(
        organization_id=_param("b_org", "organization_id"), member_id=_param("b_member", "member_id"),
        language=func.coalesce(_CONVERSATIONS.c.language, _param("b_detected", "language")),
        dialog=_param("b_dialog", "dialog"), state=_param("b_state", "state"), slots=_param("b_slots", "slots"),
        choices=_param("b_choices", "choices"), awaiting=_param("b_awaiting", "awaiting"),
        channel=_param("b_channel", "channel"), updated_at=_param("b_now", "updated_at"),
        last_inbound_at=_param("b_now", "last_inbound_at"),
    )
)
_MESSAGES: Table = ConversationMessage.__table__  # type: ignore[assignment]
_APPEND_LINE = insert(_MESSAGES)
