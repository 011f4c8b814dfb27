"""A conversation turn's hot path in few statements: one query loads the conversation row, whether a hand-off
is open and every active membership of the phone; one statement saves the state and appends the transcript.

Each is one call of a database function (migration 0014) on a bare pooled asyncpg connection, in a
transaction of its own, shared by all the turns of an event-loop tick (core/db/coalesce.py). The hot path
skips the ORM's session machinery, which cost more CPU than the queries, and BEGIN/COMMIT round trips, which
on a busy server each wait for the backend to be scheduled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from core.db.coalesce import Coalescer
from core.db.database import Database


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
    duplicate: bool = False  # the provider message id was processed before (a webhook retried)


@dataclass(frozen=True, slots=True)
class Line:
    """One transcript line to append."""

    direction: str
    channel: str
    text: str
    choice_id: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    payload: Mapping[str, Any] | None = None  # a reply's link and flags (outbox.transcript_payload)
    message_id: str | None = None
    handoff_id: int | None = None


# The functions (migration 0014) set the system scope for their own queries: one statement, no transaction
# round trips, for every turn of a tick (core/db/coalesce.py). Textually stable, so asyncpg keeps them
# prepared per connection.
LOAD_MANY_SQL = "SELECT * FROM conversation_turn_load_many($1, $2, $3, $4)"
SAVE_MANY_SQL = "SELECT conversation_turn_save_many($1)"


@dataclass(frozen=True, slots=True)
class _Load:
    key: str
    phone: str | None
    channel: str
    message_id: str | None


async def load_turn(
    db: Database, *, key: str, phone: str | None, channel: str, message_id: str | None = None
) -> TurnRow:
    """The conversation for `key`, created on first contact; `duplicate` when `message_id` (a provider's
    message id on this channel) was processed before. One statement in a transaction of its own, shared with
    the other turns the same tick loads.

    Not row-locked: turns of one conversation are serialised by the router's conversation lock. Paths that
    change the row otherwise (hand-off, opt-out) lock it themselves.
    """
    loads = db.coalescer("conversation_turn_load", lambda: Coalescer(partial(_load_many, db)))
    return await loads(_Load(key, phone, channel, message_id))


async def _load_many(db: Database, loads: Sequence[_Load]) -> list[TurnRow]:
    async with db.native_connection() as conn:
        rows = await conn.fetch(
            LOAD_MANY_SQL, [x.key for x in loads], [x.phone for x in loads], [x.channel for x in loads],
            [x.message_id for x in loads],
        )  # fmt: skip
    return [_turn_row(row) for row in rows]


def _turn_row(row: Mapping[str, Any]) -> TurnRow:
    return TurnRow(
        id=row["id"], key=row["key"], phone=row["phone"], organization_id=row["organization_id"],
        member_id=row["member_id"], language=row["language"], dialog=row["dialog"], state=row["state"],
        slots=dict(row["slots"] or {}), choices=tuple(row["choices"] or ()), awaiting=bool(row["awaiting"]),
        opted_out_at=row["opted_out_at"], updated_at=row["updated_at"], handoff_open=bool(row["handoff_open"]),
        memberships=tuple(
            Membership(
                organization_id=int(j["o"]), member_id=int(j["m"]), first_name=j["f"],
                full_name=f"{j['f']} {j['l']}".strip(), organization_name=j["n"], currency=j["c"],
                merchant_code=j["mc"], language=j["lang"],
            )
            for j in row["memberships"] or ()
        ),
        duplicate=bool(row["duplicate"]),
    )


async def save_turn(
    db: Database,
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
    """Write where the journey stands and append the turn's transcript lines, in order: one statement in a
    transaction of its own, shared with the other turns the same tick saves; returns once it is committed.

    `organization_id`/`member_id` are who the phone talks as (the transcript lines carry them too); the
    detected language is kept only when the conversation has none yet. One save per conversation at a time
    (the router's conversation lock): a batch naming a conversation twice is refused, then run call by call.
    """
    saves = db.coalescer("conversation_turn_save", lambda: Coalescer(partial(_save_many, db)))
    await saves({
        "id": conversation_id, "org": organization_id, "member": member_id, "language": detected_language,
        "dialog": dialog, "state": state, "slots": dict(slots), "choices": list(choices), "awaiting": awaiting,
        "channel": channel, "at": (now if now.tzinfo else now.replace(tzinfo=UTC)).isoformat(),
        "lines": [
            {
                "direction": line.direction, "channel": line.channel, "text": line.text,
                "choice_id": line.choice_id, "choices": [{"id": cid, "title": title} for cid, title in line.choices],
                "payload": dict(line.payload) if line.payload else None, "message_id": line.message_id,
                "handoff_id": line.handoff_id,
            }
            for line in lines
        ],
    })  # fmt: skip


async def _save_many(db: Database, turns: Sequence[dict[str, Any]]) -> list[None]:
    async with db.native_connection() as conn:
        await conn.execute(SAVE_MANY_SQL, json.dumps(turns))
    return [None] * len(turns)
