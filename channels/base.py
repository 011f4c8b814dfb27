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
    max_active: int = 32  # inbound messages worked on at once; the rest wait (keeps acknowledgements quick)
    max_backlog: int = 5000  # beyond this, webhooks answer 503 and the provider redelivers later
    _background: set[asyncio.Task[Any]] = field(default_factory=set)
    _last_by_key: dict[str, asyncio.Task[Any]] = field(default_factory=dict)
    _slots: asyncio.Semaphore | None = None

    @property
    def overloaded(self) -> bool:
        return len(self._background) >= self.max_backlog

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
        task.add_done_callback(self._background.discard)
        if key:
            self._last_by_key[key] = task
            task.add_done_callback(lambda t: self._forget(key, t))

    def _forget(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._last_by_key.get(key) is task:
            del self._last_by_key[key]

    async def drain(self, grace: float | None = None) -> None:
        """Wait for background processing (tests, shutdown). After `grace` seconds, what is left is cancelled and
        counted in the log (those messages were acknowledged: the sender is told nothing)."""
        deadline = None if grace is None else asyncio.get_running_loop().time() + grace
        while self._background:
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and left <= 0:
                pending = list(self._background)
                log.error("shutdown: %d inbound message(s) still in progress are abandoned", len(pending))
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                return
            await asyncio.wait(list(self._background), timeout=left)


CHANNEL_CONTEXT = web.AppKey("channel_context", ChannelContext)


def busy(request: web.Request) -> web.Response:
    """Back-pressure: the provider retries later (Meta, Telegram and Twilio all redeliver on 5xx)."""
    return refuse(503, "overloaded, retry later", request)


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
