"""USSD session state (last input, current screen and page) and its stores: Redis, PostgreSQL, memory."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.database import Database
from core.messaging.models import UssdSessionRecord
from dialogs.vocabulary import Choice
from ussd.screens import UssdPage, UssdScreen

log = logging.getLogger(__name__)
SESSION_TTL = 300  # seconds; a USSD session lasts at most ~180 s
RESUME_WINDOW = 120.0  # a member who dials again within 2 minutes gets the dropped screen back


@dataclass(frozen=True, slots=True)
class UssdState:
    """What a session remembers between hops. JSON-able, so every store keeps the same shape."""

    session_id: str
    phone: str
    last_text: str = ""  # the cumulative text already answered (Africa's Talking)
    pages: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (page text, paging keys it shows)
    page: int = 0
    choices: tuple[tuple[str, str], ...] = ()  # (id, title) numbered from 1
    final: bool = False
    hops: int = 0
    updated_at: float = field(default_factory=time.time)

    @property
    def screen(self) -> UssdScreen:
        return UssdScreen(
            tuple(UssdPage(text, frozenset(keys)) for text, keys in self.pages),
            tuple(Choice(cid, title) for cid, title in self.choices),
            self.final,
        )

    @property
    def current_page(self) -> UssdPage:
        return self.screen.pages[self.page]

    def showing(self, screen: UssdScreen, *, page: int = 0, **changes: Any) -> UssdState:
        return replace(
            self,
            pages=tuple((p.text, tuple(sorted(p.keys))) for p in screen.pages),
            page=page,
            choices=tuple((c.id, c.title) for c in screen.choices),
            final=screen.final,
            updated_at=time.time(),
            **changes,
        )

    def to_json(self) -> str:
        data = {name: getattr(self, name) for name in _FIELDS}  # asdict() deep-copies: slower per hop
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> UssdState:
        data = json.loads(raw)
        data["pages"] = tuple((text, tuple(keys)) for text, keys in data["pages"])
        data["choices"] = tuple((cid, title) for cid, title in data["choices"])
        return cls(**data)


_FIELDS = tuple(f.name for f in fields(UssdState))


class UssdSessionStore(Protocol):
    async def load(self, session_id: str, phone: str) -> tuple[UssdState | None, UssdState | None]:
        """(this session's state, the phone's most recent session's state) in one round trip where the
        store allows: the second resumes a dropped session when the first is None."""
        ...

    async def save(self, state: UssdState) -> None: ...


class MemorySessionStore:
    """One process only (tests, benchmarks' reference)."""

    def __init__(self) -> None:
        self._by_id: dict[str, UssdState] = {}
        self._by_phone: dict[str, str] = {}

    async def load(self, session_id: str, phone: str) -> tuple[UssdState | None, UssdState | None]:
        sid = self._by_phone.get(phone)
        return self._by_id.get(session_id), self._by_id.get(sid) if sid else None

    async def save(self, state: UssdState) -> None:
        self._by_id[state.session_id] = state
        self._by_phone[state.phone] = state.session_id


class RedisSessionStore:
    def __init__(self, redis: Redis[bytes], ttl: int = SESSION_TTL) -> None:
        self.redis = redis
        self.ttl = ttl

    async def load(self, session_id: str, phone: str) -> tuple[UssdState | None, UssdState | None]:
        """One MGET: the phone key holds a copy of its latest session's state."""
        current, latest = await self.redis.mget(f"ussd:s:{session_id}", f"ussd:last:{phone}")
        return _parsed(current), _parsed(latest)

    async def save(self, state: UssdState) -> None:
        raw = state.to_json()
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip
            pipe.set(f"ussd:s:{state.session_id}", raw, ex=self.ttl)
            pipe.set(f"ussd:last:{state.phone}", raw, ex=self.ttl)
            await pipe.execute()


class PgSessionStore:
    """The embedded default (no Redis): one row per session in ussd_sessions, system scope."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, session_id: str, phone: str) -> tuple[UssdState | None, UssdState | None]:
        async with self.db.system() as session:
            current = await session.scalar(
                select(UssdSessionRecord.state).where(UssdSessionRecord.session_id == session_id)
            )
            latest = None
            if current is None:
                latest = await session.scalar(
                    select(UssdSessionRecord.state)
                    .where(UssdSessionRecord.phone == phone)
                    .order_by(UssdSessionRecord.updated_at.desc())
                    .limit(1)
                )
        return _state(current), _state(latest)

    async def save(self, state: UssdState) -> None:
        data = json.loads(state.to_json())
        stmt = insert(UssdSessionRecord).values(
            session_id=state.session_id, phone=state.phone, state=data, hops=state.hops
        )
        async with self.db.system() as session:
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[UssdSessionRecord.session_id],
                    set_={"state": data, "hops": state.hops, "updated_at": func.now()},
                )
            )


async def purge_ussd_sessions(session: AsyncSession, older_than: timedelta = timedelta(days=1)) -> int:
    """Forget PostgreSQL-stored sessions past any use (Redis expires its own). System scope."""
    result = await session.execute(
        delete(UssdSessionRecord).where(UssdSessionRecord.updated_at < func.now() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _state(row: dict[str, Any] | None) -> UssdState | None:
    return _parsed(json.dumps(row)) if row else None


def _parsed(raw: str | bytes | None) -> UssdState | None:
    """A stored state, or None when absent or unreadable (an older format): the member starts afresh."""
    if not raw:
        return None
    try:
        return UssdState.from_json(raw)
    except (ValueError, TypeError, KeyError):
        log.warning("unreadable USSD session state ignored: %r", raw[:80])
        return None
