"""The router's per-turn cost: one statement loads the conversation, member and hand-off flag, one saves the
state and the transcript, each a transaction of its own (no BEGIN/COMMIT round trips) shared with the other
turns of the same event-loop tick; the balance reply is one more; the NLU model loads off the event loop at
start-up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from bot.router import Router
from core.conversations.models import Conversation, ConversationMessage
from core.db.database import Database
from core.settings import Settings
from dialogs.vocabulary import Channel
from nlu.types import NluBackend, ParseResult
from tests.support.conversations import Chat, add_savings, make_router
from tests.support.factories import make_group, make_member, make_organization
from tests.support.native_statements import log_native_statements


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every statement sent to PostgreSQL, also those the hot path sends straight through asyncpg."""
    seen: list[str] = []

    def note(query: str) -> None:
        if query.strip().rstrip(";") in ("BEGIN", "COMMIT", "ROLLBACK"):
            return
        if not any(skip in query for skip in ("advisory", "lock_timeout")):
            seen.append(" ".join(query.split())[:60])

    def logged(record: Any) -> None:  # asyncpg's own API (the hot path)
        note(record.query)

    def executed(conn: object, cursor: object, statement: str, *args: object) -> None:  # through SQLAlchemy
        note(statement)

    def checkout(dbapi_connection: Any, *args: object) -> None:
        dbapi_connection.driver_connection.add_query_logger(logged)

    def checkin(dbapi_connection: Any, *args: object) -> None:
        dbapi_connection.driver_connection.remove_query_logger(logged)

    log_native_statements(db, logged)  # bare pooled connections (the hot path)
    pool = db.engine.sync_engine.pool
    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    event.listen(db.engine.sync_engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        del db.native_connection
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)
        event.remove(db.engine.sync_engine, "before_cursor_execute", executed)


async def test_a_menu_hop_is_two_statements_and_keeps_the_transcript(db: Database, settings: Settings) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group, language="en")
    await add_savings(db, org, member, group, 10_000)
    router = make_router(db, settings, None)
    chat = Chat(router, member.phone, Channel.USSD)
    await chat.start()  # first contact creates the conversation
    with statements(db) as seen:
        await chat.start()
    # two statements, each its own transaction: the load, the save of the state and both transcript lines
    assert seen == [
        "SELECT * FROM conversation_turn_load_many($1, $2, $3, $4)", "SELECT conversation_turn_save_many($1)"
    ], seen
    assert "Hello" in chat.text
    with statements(db) as seen:
        await chat.say("1")  # the balance step opens a tenant scope: the held one is committed first
    # three statements: the load, the whole balance read, the save
    assert [q.replace("SELECT * FROM ", "").replace("SELECT ", "").split("(")[0] for q in seen] == [
        "conversation_turn_load_many", "member_overview_many", "conversation_turn_save_many"
    ], seen
    assert "10,000" in chat.text
    async with db.system() as s:
        conversation = (await s.execute(select(Conversation).where(Conversation.key == member.phone))).scalar_one()
        lines = (await s.execute(
            select(ConversationMessage).where(ConversationMessage.conversation_id == conversation.id)
            .order_by(ConversationMessage.id)
        )).scalars().all()
    assert (conversation.organization_id, conversation.member_id) == (org.id, member.id)
    assert [line.direction for line in lines] == ["in", "out"] * 3
    assert {(line.organization_id, line.member_id) for line in lines} == {(org.id, member.id)}
    assert lines[1].choices and lines[1].choices[0]["id"] == "balance"


async def test_a_member_who_left_is_a_guest_on_the_next_turn(db: Database, settings: Settings) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group, language="en")
    router = make_router(db, settings, None)
    chat = Chat(router, member.phone, Channel.USSD)
    await chat.start()
    assert "Hello" in chat.text
    async with db.tenant(org.id) as s:
        row = await s.get(type(member), member.id)
        assert row is not None
        row.status = "left"
    await chat.start()
    assert "Hello" not in chat.text  # identity is read fresh with the conversation, never stale


class FixedNlu:
    async def aparse(self, text: str, language_hint: str | None = None) -> ParseResult:
        return ParseResult(intent="greet", confidence=0.99, entities=(), language="en", ranking=())


async def test_warm_loads_the_nlu_model_in_a_thread_once(db: Database, settings: Settings) -> None:
    loads: list[str] = []
    nlu = FixedNlu()

    def loader() -> NluBackend:
        loads.append(threading.current_thread().name)
        return nlu  # type: ignore[return-value]

    router: Router = make_router(db, settings, None, nlu_loader=loader)
    assert router.nlu is None
    await router.warm()
    await router.warm()
    assert router.nlu is nlu
    assert len(loads) == 1 and loads[0] != threading.main_thread().name
