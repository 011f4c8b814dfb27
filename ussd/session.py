"""USSD session state (last input, current screen and page) and its stores: Redis, PostgreSQL, memory."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.conversations.redis_lock import (
    HOLD_SECONDS,
    LOCK_PREFIX,
    RENEW_SECONDS,
    LockKeeper,
    Script,
    new_token,
    release_script,
)
from core.db.database import Database
from core.messaging.models import UssdSessionRecord
from core.redis_wire import RedisWire
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


@dataclass(slots=True)
class Lease:
    """The phone's conversation lock, taken by the store with the session load. While the engine holds it,
    the router takes no lock of its own for the turn (Inbound.serialized); the save gives it back."""

    key: str
    token: str
    released: bool = False
    handed_over: bool = False  # a handler that overran its budget keeps it until it finishes


@dataclass(frozen=True, slots=True)
class Loaded:
    state: UssdState | None  # this session's state
    latest: UssdState | None  # the phone's most recent session's: resumes a dropped session
    lease: Lease | None = None  # stores that cannot lock with the load leave locking to the router


class UssdSessionStore(Protocol):
    async def load(self, session_id: str, phone: str) -> Loaded:
        """This session's state and the phone's latest, in one round trip where the store allows."""
        ...

    async def save(self, state: UssdState, lease: Lease | None = None) -> None:
        """Keep the state; give the lease back in the same round trip when one is passed."""
        ...

    async def release(self, lease: Lease) -> None: ...


class MemorySessionStore:
    """One process only (tests, benchmarks' reference). No lease: the router locks."""

    def __init__(self) -> None:
        self._by_id: dict[str, UssdState] = {}
        self._by_phone: dict[str, str] = {}

    async def load(self, session_id: str, phone: str) -> Loaded:
        sid = self._by_phone.get(phone)
        return Loaded(self._by_id.get(session_id), self._by_id.get(sid) if sid else None)

    async def save(self, state: UssdState, lease: Lease | None = None) -> None:
        self._by_id[state.session_id] = state
        self._by_phone[state.phone] = state.session_id

    async def release(self, lease: Lease) -> None:
        lease.released = True


# KEYS: this session, the phone's latest, the conversation lock. ARGV: lock token, hold (ms).
_LOAD_LEASED = Script("""
if not redis.call('set', KEYS[3], ARGV[1], 'nx', 'px', ARGV[2]) then return {0} end
return {1, redis.call('get', KEYS[1]), redis.call('get', KEYS[2])}
""")
# KEYS: this session, the phone's latest, the conversation lock. ARGV: state, ttl (s), lock token or ''.
_SAVE_RELEASING = Script("""
redis.call('set', KEYS[1], ARGV[1], 'ex', ARGV[2])
redis.call('set', KEYS[2], ARGV[1], 'ex', ARGV[2])
if ARGV[3] ~= '' and redis.call('get', KEYS[3]) == ARGV[3] then redis.call('del', KEYS[3]) end
return 1
""")


class RedisSessionStore:
    """Sessions on Redis; the conversation lock (the router's, same key and token rules) is taken with the
    load and given back with the save: two round trips a hop instead of four. When the conversation is busy
    (another channel's turn for the phone) the load falls back to a plain read and the router waits for it.
    A lease is renewed while this process holds it (LockKeeper), handed over to a late handler included."""

    def __init__(self, redis: RedisWire, ttl: int = SESSION_TTL, *, lock_prefix: str = LOCK_PREFIX,
                 hold: float = HOLD_SECONDS, renew: float = RENEW_SECONDS) -> None:  # fmt: skip
        self.redis = redis
        self.ttl = ttl
        self.lock_prefix = lock_prefix
        self.hold_ms = int(hold * 1000)
        self.keeper = LockKeeper(redis, hold_ms=self.hold_ms, every=renew)

    async def load(self, session_id: str, phone: str) -> Loaded:
        keys = (f"ussd:s:{session_id}", f"ussd:last:{phone}")
        lease = Lease(self.lock_prefix + phone, new_token())
        got = await _LOAD_LEASED(self.redis, [*keys, lease.key], [lease.token, self.hold_ms])
        if got[0]:
            self.keeper.keep(lease.key, lease.token)
            return Loaded(*_current_and_latest(got[1], got[2]), lease)
        current, latest = await self.redis.call("MGET", *keys)  # busy: read only, the router will wait its turn
        return Loaded(*_current_and_latest(current, latest))

    async def save(self, state: UssdState, lease: Lease | None = None) -> None:
        keys = (f"ussd:s:{state.session_id}", f"ussd:last:{state.phone}", self.lock_prefix + state.phone)
        token = ""
        if lease is not None and not lease.released:
            token = lease.token
            self.keeper.drop(lease.key, token)
        await _SAVE_RELEASING(self.redis, keys, [state.to_json(), self.ttl, token])
        if lease is not None:
            lease.released = True

    async def release(self, lease: Lease) -> None:
        if not lease.released:
            lease.released = True
            self.keeper.drop(lease.key, lease.token)
            await release_script(self.redis, [lease.key], [lease.token])


class PgSessionStore:
    """The embedded default (no Redis): one row per session in ussd_sessions, system scope. No lease: the
    router locks."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, session_id: str, phone: str) -> Loaded:
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
        return Loaded(_state(current), _state(latest))

    async def release(self, lease: Lease) -> None:
        lease.released = True

    async def save(self, state: UssdState, lease: Lease | None = None) -> None:
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


def _current_and_latest(
    current: str | bytes | None, latest: str | bytes | None
) -> tuple[UssdState | None, UssdState | None]:
    """Both states; mid-session the phone's latest is this session's (the save writes both), parsed once."""
    state = _parsed(current)
    return state, state if latest == current else _parsed(latest)


def _parsed(raw: str | bytes | None) -> UssdState | None:
    """A stored state, or None when absent or unreadable (an older format): the member starts afresh."""
    if not raw:
        return None
    try:
        return UssdState.from_json(raw)
    except (ValueError, TypeError, KeyError):
        log.warning("unreadable USSD session state ignored: %r", raw[:80])
        return None
