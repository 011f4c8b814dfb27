"""A conversation turn's hot path in few statements: one query loads the conversation row, whether a hand-off
is open and every active membership of the phone; one statement saves the state and appends the transcript.

The router runs these on a bare asyncpg connection in a system-scope transaction (`db.native(Scope.system())`),
as textually stable SQL its statement cache keeps prepared: the hot path skips the ORM's session and execution
machinery, which cost more CPU than the queries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


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
    message_id: str | None = None
    handoff_id: int | None = None


LOAD_SQL = """
SELECT c.id, c.key, c.phone, c.organization_id, c.member_id, c.language, c.dialog, c.state, c.slots, c.choices,
       c.awaiting, c.opted_out_at, c.updated_at,
       EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.status = 'open') AS handoff_open,
       (SELECT json_agg(json_build_object('o', m.organization_id, 'm', m.id, 'f', m.first_name, 'l', m.last_name,
                                          'n', o.name, 'c', o.currency, 'mc', o.momo_merchant_code,
                                          'lang', m.language) ORDER BY m.id)
          FROM members m JOIN organizations o ON o.id = m.organization_id
         WHERE m.phone = c.phone AND m.status NOT IN ('left', 'suspended')) AS memberships,
       $2::text IS NOT NULL AND EXISTS (
         SELECT 1 FROM conversation_messages cm
          WHERE cm.conversation_id = c.id AND cm.channel = $3 AND cm.message_id = $2 AND cm.direction = 'in'
       ) AS duplicate
  FROM conversations c
 WHERE c.key = $1
"""
CREATE_SQL = """
INSERT INTO conversations (key, phone, channel, slots, choices, awaiting)
VALUES ($1, $2, $3, '{}'::jsonb, '[]'::jsonb, false)
ON CONFLICT (key) DO NOTHING
"""
# The UPDATE runs whether or not there are lines (a data-modifying CTE always runs to completion).
SAVE_SQL = """
WITH saved AS (
  UPDATE conversations
     SET organization_id = $2, member_id = $3, language = coalesce(language, $4::varchar), dialog = $5,
         state = $6, slots = $7, choices = $8, awaiting = $9, channel = $10, updated_at = $11,
         last_inbound_at = $12
   WHERE id = $1
  RETURNING id
)
INSERT INTO conversation_messages
       (organization_id, conversation_id, member_id, handoff_id, direction, channel, text, choice_id, choices,
        message_id)
SELECT $2, saved.id, $3, (l.j->>'handoff_id')::bigint, l.j->>'direction', l.j->>'channel', l.j->>'text',
       l.j->>'choice_id', l.j->'choices', l.j->>'message_id'
  FROM saved, jsonb_array_elements($13::jsonb) WITH ORDINALITY AS l(j, n)
 ORDER BY l.n
"""


def _in_transaction(conn: asyncpg.Connection) -> asyncpg.Connection:
    if not conn.is_in_transaction():
        raise RuntimeError("the conversation hot path needs an open db.native(Scope.system()) transaction")
    return conn


async def load_turn(
    conn: asyncpg.Connection, *, key: str, phone: str | None, channel: str, message_id: str | None = None
) -> TurnRow:
    """The conversation for `key`, created on first contact; `duplicate` when `message_id` (a provider's
    message id on this channel) was processed before.

    Not row-locked: turns of one conversation are serialised by the router's conversation lock, and a
    read-only transaction commits without waiting for a WAL flush. Paths that change the row (hand-off,
    opt-out) lock it themselves.
    """
    driver = _in_transaction(conn)
    row = await driver.fetchrow(LOAD_SQL, key, message_id, channel)
    if row is None:
        await driver.execute(CREATE_SQL, key, phone, channel)
        row = await driver.fetchrow(LOAD_SQL, key, message_id, channel)
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
            for j in _json_list(row["memberships"])
        ),
        duplicate=bool(row["duplicate"]),
    )


def _json_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes):  # a connection without SQLAlchemy's json codec hands back text
        value = json.loads(value)
    return list(value or ())


async def save_turn(
    conn: asyncpg.Connection,
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
    """Write where the journey stands and append the turn's transcript lines, in order: one statement.

    `organization_id`/`member_id` are who the phone talks as (the transcript lines carry them too); the
    detected language is kept only when the conversation has none yet.
    """
    payload = [
        {
            "direction": line.direction, "channel": line.channel, "text": line.text, "choice_id": line.choice_id,
            "choices": [{"id": cid, "title": title} for cid, title in line.choices],
            "message_id": line.message_id, "handoff_id": line.handoff_id,
        }
        for line in lines
    ]
    await _in_transaction(conn).execute(
        SAVE_SQL, conversation_id, organization_id, member_id, detected_language, dialog, state,
        json.dumps(dict(slots)), json.dumps(list(choices)), awaiting, channel, now, now, json.dumps(payload),
    )
