"""Conversation turns load and save in batches (migration 0014): the turns of one event-loop tick share one
statement each way, every turn gets its own conversation and keeps its transcript in order, and a bad turn
fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from core.conversations.models import Conversation, ConversationMessage
from core.conversations.turns import Line, load_turn, save_turn
from core.db.database import Database
from tests.support.factories import make_group, make_member, make_organization
from tests.support.native_statements import native_statement_names

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def save(db: Database, conversation_id: int, *, state: str, text: str, org: int | None = None,
               member: int | None = None) -> None:  # fmt: skip
    await save_turn(
        db, conversation_id=conversation_id, organization_id=org, member_id=member, detected_language="en",
        dialog="menu", state=state, slots={"step": state}, choices=["1", "2"], awaiting=False, channel="ussd",
        now=NOW, lines=[Line("in", "ussd", text), Line("out", "ussd", f"re: {text}", choices=(("1", "One"),))],
    )  # fmt: skip


async def transcript(db: Database, conversation_id: int) -> list[tuple[str, str]]:
    async with db.system() as s:
        rows = await s.execute(
            select(ConversationMessage.direction, ConversationMessage.text)
            .where(ConversationMessage.conversation_id == conversation_id)
            .order_by(ConversationMessage.id)
        )
        return [(r.direction, r.text) for r in rows]


async def test_the_loads_of_one_tick_are_one_statement_and_each_gets_its_conversation(db: Database) -> None:
    org = await make_organization(db)
    member = await make_member(db, org, await make_group(db, org), language="en")
    seen = native_statement_names(db)
    keys = [member.phone, "+250788555001", "+250788555002", member.phone]  # one key twice: the same row
    rows = await asyncio.gather(*(load_turn(db, key=k, phone=k, channel="ussd") for k in keys))
    assert seen == ["SELECT * FROM conversation_turn_load_many"]
    assert [r.key for r in rows] == keys
    assert rows[0].id == rows[3].id and len({r.id for r in rows}) == 3
    assert [(m.organization_id, m.member_id) for m in rows[0].memberships] == [(org.id, member.id)]
    assert rows[1].memberships == () and not rows[1].duplicate
    again = await load_turn(db, key="+250788555001", phone="+250788555001", channel="ussd")
    assert again.id == rows[1].id  # created once


async def test_a_provider_message_id_seen_before_is_a_duplicate_in_a_batch_too(db: Database) -> None:
    row = await load_turn(db, key="+250788555010", phone="+250788555010", channel="whatsapp", message_id="wamid.1")
    await save_turn(
        db, conversation_id=row.id, organization_id=None, member_id=None, detected_language=None, dialog=None,
        state=None, slots={}, choices=[], awaiting=False, channel="whatsapp", now=NOW,
        lines=[Line("in", "whatsapp", "hi", message_id="wamid.1")],
    )  # fmt: skip
    first, second = await asyncio.gather(
        load_turn(db, key=row.key, phone=row.phone, channel="whatsapp", message_id="wamid.1"),
        load_turn(db, key=row.key, phone=row.phone, channel="whatsapp", message_id="wamid.2"),
    )
    assert (first.duplicate, second.duplicate) == (True, False)


async def test_the_saves_of_one_tick_are_one_statement_each_turn_whole_and_in_order(db: Database) -> None:
    org = await make_organization(db)
    members = [await make_member(db, org, await make_group(db, org)) for _ in range(3)]
    rows = [await load_turn(db, key=m.phone, phone=m.phone, channel="ussd") for m in members]
    seen = native_statement_names(db)
    await asyncio.gather(
        *(save(db, r.id, state=f"s{i}", text=f"t{i}", org=org.id, member=m.id) for i, (r, m) in enumerate(zip(rows, members)))
    )  # fmt: skip
    assert seen == ["SELECT conversation_turn_save_many"]
    for i, (row, member) in enumerate(zip(rows, members, strict=True)):
        assert await transcript(db, row.id) == [("in", f"t{i}"), ("out", f"re: t{i}")]
        loaded = await load_turn(db, key=row.key, phone=row.phone, channel="ussd")
        assert (loaded.state, dict(loaded.slots), loaded.choices, loaded.language) == (f"s{i}", {"step": f"s{i}"}, ("1", "2"), "en")
        assert (loaded.organization_id, loaded.member_id) == (org.id, member.id)
        assert loaded.updated_at == NOW
    async with db.system() as s:
        lines = (await s.execute(select(ConversationMessage).where(ConversationMessage.conversation_id == rows[0].id))).scalars().all()
    assert {(line.organization_id, line.member_id) for line in lines} == {(org.id, members[0].id)}
    assert lines[1].choices == [{"id": "1", "title": "One"}]


async def test_a_bad_turn_in_a_batch_fails_alone(db: Database) -> None:
    good = await load_turn(db, key="+250788555020", phone="+250788555020", channel="ussd")
    bad = await load_turn(db, key="+250788555021", phone="+250788555021", channel="ussd")
    results: list[Any] = await asyncio.gather(
        save(db, good.id, state="ok", text="kept"),
        save(db, bad.id, state="no", text="lost", org=2_000_000_000),  # no such organization
        return_exceptions=True,
    )
    assert results[0] is None
    assert isinstance(results[1], asyncpg.ForeignKeyViolationError)
    assert await transcript(db, good.id) == [("in", "kept"), ("out", "re: kept")]
    assert await transcript(db, bad.id) == []


async def test_a_batch_naming_a_conversation_twice_is_refused_then_saved_in_order(db: Database) -> None:
    row = await load_turn(db, key="+250788555030", phone="+250788555030", channel="ussd")
    seen = native_statement_names(db)
    await asyncio.gather(save(db, row.id, state="first", text="a"), save(db, row.id, state="second", text="b"))
    assert seen == ["SELECT conversation_turn_save_many"] * 3  # the pair, refused; then each on its own
    assert await transcript(db, row.id) == [("in", "a"), ("out", "re: a"), ("in", "b"), ("out", "re: b")]
    assert (await load_turn(db, key=row.key, phone=row.phone, channel="ussd")).state == "second"


async def test_the_save_refuses_a_repeated_conversation_itself(db: Database) -> None:
    row = await load_turn(db, key="+250788555040", phone="+250788555040", channel="ussd")
    turn = f'{{"id": {row.id}, "lines": []}}'
    async with db.native_connection() as conn:
        with pytest.raises(asyncpg.PostgresError, match="names a conversation twice"):
            await conn.execute("SELECT conversation_turn_save_many($1)", f"[{turn}, {turn}]")
    async with db.system() as s:
        assert (await s.get(Conversation, row.id)) is not None
