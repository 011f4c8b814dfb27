"""What every channel adapter shares: the context bot/ injects, the provider client protocol, webhook errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from core.db.database import Database
from core.messaging.dedup import Deduplicator
from core.messaging.inbox import InboxItem, mark_done, record_failure, store
from core.settings import Settings
from dialogs.vocabulary import Channel, InboundHandler, Reply
from ussd.session import UssdSessionStore

log = logging.getLogger("channels")


@dataclass(frozen=True, slots=True)
class SendOptions:
    """What a client needs to know beyond the replies (WhatsApp: may we send free-form text?)."""

    window_open: bool = True


class ProviderError(Exception):
    """A provider refused or failed a send. `retryable`: a later attempt may succeed (network, 5xx, 429)."""

    def __init__(
        self, message: str, *, retryable: bool, retry_after: float | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code


class ProviderClient(Protocol):
    """Sends rendered replies to one recipient on one channel; returns the provider's message ids."""

    name: str  # recorded as the outbox row's provider: whatsapp, twilio, telegram, sandbox
    channel: Channel

    async def send(self, recipient: str, replies: Sequence[Reply], options: SendOptions) -> list[str]: ...

    async def close(self) -> None: ...


Schedule = Callable[[Sequence[int]], None]  # submit a delivery job for these outbox ids


@dataclass(frozen=True, slots=True)
class InboxRoute:
    """How a provider's stored webhook payloads are worked. `work(item)`: on `item.retry` the de-duplication
    key may be claimed by the attempt that died already, which does not stop this one
    (channels.inbound.claimed_now), and the conversation turn gives a message it has saved its saved answer.
    `key(payload)`: the sender, whose messages are worked in arrival order (None: no order needed)."""

    work: Callable[[InboxItem], Awaitable[None]]
    key: Callable[[Mapping[str, Any]], str | None]


@dataclass
class ChannelContext:
    """Everything the adapters use, built once by bot/ (settings passed down, nothing read from env)."""

    settings: Settings
    db: Database
    handler: InboundHandler
    dedup: Deduplicator
    schedule: Schedule
    ussd_store: UssdSessionStore
    clients: Mapping[Channel, ProviderClient] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    inbox_routes: dict[str, InboxRoute] = field(default_factory=dict)
    # Inbound messages worked on at once; the rest wait. Their work is mostly CPU and the database calls of a
    # tick go as one, so a few keep the process busy, and each one more is one more coroutine in every turn
    # of the event loop an acknowledgement waits for (bench/ussd.py, saturated: 8 gave an ack p50 of 11 ms,
    # 32 gave 28 ms, at the same CPU per message).
    max_active: int = 8
    max_backlog: int = 5000  # beyond this, stored webhooks wait unclaimed in the inbox for a process with room
    _background: set[asyncio.Task[Any]] = field(default_factory=set)
    _last_by_key: dict[str, asyncio.Task[Any]] = field(default_factory=dict)
    _slots: asyncio.Semaphore | None = None
    _inbox_wake: asyncio.Event | None = None
    _left_unclaimed: bool = False

    @property
    def room(self) -> int:
        """How many more inbound messages this process takes on before it leaves them in the inbox."""
        return max(self.max_backlog - len(self._background), 0)

    @property
    def inbox_wake(self) -> asyncio.Event:
        """Set when the inbox may hold work for this process (bot/messaging.py's inbox loop waits on it)."""
        if self._inbox_wake is None:
            self._inbox_wake = asyncio.Event()
        return self._inbox_wake

    async def accept(self, provider: str, payload: Mapping[str, Any]) -> None:
        """Keep a verified webhook payload in the inbox, committed before the webhook answers 200, and work it
        here after the answer when there is room; otherwise it waits, unclaimed, for the first process with
        room. Raises when it could not be stored: the webhook must then not acknowledge."""
        has_room = self.room > 0
        item_id = await store(self.db, provider, payload, claim=has_room)
        if has_room:
            self.work(InboxItem(item_id, provider, payload, attempts=1))
        else:
            self._left_unclaimed = True

    def work(self, item: InboxItem) -> None:
        """Work a claimed inbox item after the acknowledgement, in its sender's order; done or failed, the
        row says so."""
        route = self.inbox_routes[item.provider]
        self.spawn(self._work(route, item), f"{item.provider} webhook", key=route.key(item.payload))

    async def _work(self, route: InboxRoute, item: InboxItem) -> None:
        try:
            await route.work(item)
        except Exception as exc:  # noqa: BLE001 - recorded on the row and retried later, not lost
            log.exception("%s webhook %d failed (attempt %d)", item.provider, item.id, item.attempts)
            if await record_failure(self.db, item, f"{type(exc).__name__}: {exc}"):
                log.error("%s webhook %d given up after %d attempts", item.provider, item.id, item.attempts)
            return
        await mark_done(self.db, item.id)

    def spawn(self, coro: Awaitable[Any], what: str, *, key: str | None = None) -> None:
        """Run after the acknowledgement; failures are logged, never lost silently. Work with the same
        `key` (a sender) runs in arrival order in this process, so a quick second message waits its turn."""
        previous = self._last_by_key.get(key) if key else None
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_active)
        slots = self._slots

        async def guarded() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                async with slots:
                    await coro
            except Exception:
                log.exception("background %s failed", what)

        task = asyncio.get_running_loop().create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._finished)
        if key:
            self._last_by_key[key] = task
            task.add_done_callback(lambda t: self._forget(key, t))

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if self._left_unclaimed and self.room:  # room again for what was left in the inbox
            self._left_unclaimed = False
            self.inbox_wake.set()

    def _forget(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._last_by_key.get(key) is task:
            del self._last_by_key[key]

    async def drain(self, grace: float | None = None) -> None:
        """Wait for background processing (tests, shutdown). After `grace` seconds, what is left is cancelled and
        counted in the log; those messages stay in the webhook inbox, and another process (or this one's
        successor) takes them up when their claim lapses (core.messaging.inbox.LEASE)."""
        deadline = None if grace is None else asyncio.get_running_loop().time() + grace
        while self._background:
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and left <= 0:
                pending = list(self._background)
                log.warning("shutdown: %d inbound message(s) still in progress are left to the inbox", len(pending))
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                return
            await asyncio.wait(list(self._background), timeout=left)


CHANNEL_CONTEXT = web.AppKey("channel_context", ChannelContext)


async def accept_or_refuse(
    request: web.Request, ctx: ChannelContext, provider: str, payload: Mapping[str, Any]
) -> web.Response | None:
    """Store the payload in the inbox; None once stored, else the 503 to answer (the provider redelivers a
    5xx later: nothing is acknowledged that is not kept)."""
    try:
        await ctx.accept(provider, payload)
    except Exception:  # noqa: BLE001 - the database is unreachable or refusing: not acknowledged, not lost
        log.exception("%s webhook could not be stored", provider)
        return refuse(503, "could not store the message, retry later", request)
    return None


def refuse(status: int, reason: str, request: web.Request, **details: Any) -> web.Response:
    """A 4xx/503 with a reason, logged (never a silent drop)."""
    log.warning("%s %s -> %d %s %s", request.method, request.path, status, reason, details or "")
    return web.json_response({"error": reason, **details}, status=status)


def secret_value(value: Any) -> str | None:
    """A SecretStr's value, None when unset or blank."""
    raw = value.get_secret_value() if value is not None else None
    return raw or None


def reply_from_row(text: str, choices: Sequence[Mapping[str, Any]], payload: Mapping[str, Any]) -> Reply:
    """Rebuild a Reply from its outbox row (delivery renders it for the row's channel)."""
    from dialogs.vocabulary import Choice, Link

    link = payload.get("link")
    return Reply(
        text=text,
        choices=tuple(Choice(str(c["id"]), str(c["title"]), c.get("description")) for c in choices),
        link=Link(str(link["url"]), str(link["title"])) if link else None,
        expects_answer=bool(payload.get("expects_answer")),
        final=bool(payload.get("final")),
        otp=payload.get("otp"),
        request_contact=bool(payload.get("request_contact")),
        meta=dict(payload.get("meta") or {}),
    )
