"""Wiring the channels into the service: the injected inbound handler, de-duplication and USSD session
stores (Redis when configured, PostgreSQL otherwise), delivery scheduling, and the outbox relay."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any

from aiohttp import web

from bot.delivery_jobs import channel_clients, close_channel_clients, forget_expired
from bot.jobs import JobDispatcher
from bot.keys import JOBS, RUNTIME
from bot.runtime import Runtime
from channels.base import CHANNEL_CONTEXT, ChannelContext
from channels.registry import SHUTDOWN_GRACE, setup_channels
from core.messaging.dedup import Deduplicator, PgDeduplicator, RedisDeduplicator
from core.messaging.inbox import MAX_ATTEMPTS, claim_due, record_failure
from core.messaging.outbox import NOTIFY_CHANNEL, claim_undispatched
from dialogs.vocabulary import Choice, Inbound, InboundHandler, InboundKind, Reply
from ussd.session import PgSessionStore, RedisSessionStore, UssdSessionStore

log = logging.getLogger(__name__)
DELIVER_JOB = "messaging.deliver"
RELAY_POLL_SECONDS = 15.0
INBOX_POLL_SECONDS = 5.0
INBOX_CLAIM_LIMIT = 200
HOUSEKEEPING_SECONDS = 3600.0


class ServiceStartingHandler:
    """INTERIM handler, used only until bot/router.make_handler exists: a short "service starting" menu."""

    MENU = (Choice("menu", "Menu / Ibikubiyemo"), Choice("help", "Help / Ubufasha"))

    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        if inbound.kind is InboundKind.UNSUPPORTED:
            return [
                Reply(
                    "Mbabarira, nsoma inyandiko gusa. / Sorry, I can only read text for now.",
                    choices=self.MENU,
                )
            ]
        if inbound.kind is InboundKind.CONTACT:
            return [
                Reply(
                    "Murakoze! Nimero yanyu yahujwe. / Thank you, your number is linked.", choices=self.MENU
                )
            ]
        return [
            Reply(
                "Ibimina iratangira, serivisi zose ziraza vuba. / Ibimina is starting up; full service soon.",
                choices=self.MENU,
            )
        ]


def resolve_handler(runtime: Runtime) -> InboundHandler:
    """The conversation router when it is installed (bot/router.py), else the interim handler."""
    if importlib.util.find_spec("bot.router") is None:
        log.warning("bot.router not found: channels answer with the interim service-starting menu")
        return ServiceStartingHandler()
    router: Any = importlib.import_module("bot.router")
    handler: InboundHandler = router.make_handler(runtime)
    return handler


def build_channel_context(
    runtime: Runtime, jobs: JobDispatcher, *, handler: InboundHandler | None = None
) -> ChannelContext:
    dedup: Deduplicator
    store: UssdSessionStore
    if runtime.redis_wire is not None:
        dedup, store = RedisDeduplicator(runtime.redis_wire), RedisSessionStore(runtime.redis_wire)
    else:
        dedup, store = PgDeduplicator(runtime.db), PgSessionStore(runtime.db)

    def schedule(ids: Sequence[int]) -> None:
        jobs.submit(DELIVER_JOB, ids=list(ids))

    return ChannelContext(
        settings=runtime.settings,
        db=runtime.db,
        handler=handler or resolve_handler(runtime),
        dedup=dedup,
        schedule=schedule,
        ussd_store=store,
        clients=channel_clients(runtime),
    )


def setup(app: web.Application, runtime: Runtime, *, handler: InboundHandler | None = None) -> ChannelContext:
    """Mount the channel webhooks on the app and start the outbox relay with it."""
    ctx = build_channel_context(runtime, app[JOBS], handler=handler)
    setup_channels(app, ctx)
    app.cleanup_ctx.append(_outbox_relay)
    app.cleanup_ctx.append(_inbox_recovery)
    return ctx


@contextlib.asynccontextmanager
async def _running(loop_coro: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """A background loop for as long as the block lasts, cancelled and awaited at its end."""
    task = asyncio.get_running_loop().create_task(loop_coro)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _inbox_recovery(app: web.Application) -> AsyncIterator[None]:
    async with _running(_inbox_loop(app[CHANNEL_CONTEXT])):
        yield


async def _inbox_loop(ctx: ChannelContext) -> None:
    """Work what the webhook inbox holds for nobody: rows a dead process left claimed (their lease lapsed)
    and rows stored unclaimed while a process was at capacity. Wakes when this process has room again, at
    start (catching up after a crash) and every few seconds."""
    wake = ctx.inbox_wake
    wake.set()
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=INBOX_POLL_SECONDS)
        wake.clear()
        limit = min(ctx.room, INBOX_CLAIM_LIMIT)
        try:
            items = await claim_due(ctx.db, limit)
            for item in items:
                if item.attempts > MAX_ATTEMPTS:  # claimed again and again, never finished: it kills its worker
                    await record_failure(ctx.db, item, f"claimed {item.attempts - 1} times without finishing")
                    log.error("%s webhook %d given up: never finished", item.provider, item.id)
                else:
                    ctx.work(item)
        except Exception:
            log.exception("inbox recovery pass failed")
            await asyncio.sleep(1.0)
            continue
        if items:
            log.info("inbox: took up %d stored webhook(s)", len(items))
        if items and len(items) == limit:
            wake.set()  # more may be waiting


async def _outbox_relay(app: web.Application) -> AsyncIterator[None]:
    """Rows enqueued by other services (OTP, reminders, agent replies) notify on commit; the relay claims
    them and submits delivery jobs. A slow poll catches what a lost notification or a crash left behind."""
    runtime, jobs = app[RUNTIME], app[JOBS]
    wake = asyncio.Event()
    listener: Any = None
    try:
        listener = await runtime.db.engine.connect()
        raw = await listener.get_raw_connection()
        await raw.driver_connection.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
    except Exception:
        log.warning(
            "outbox relay: LISTEN unavailable, polling every %.0fs", RELAY_POLL_SECONDS, exc_info=True
        )
    try:
        async with _running(_relay_loop(runtime, jobs, wake)):
            yield
    finally:
        if listener is not None:
            with contextlib.suppress(Exception):
                await listener.close()
        await app[CHANNEL_CONTEXT].drain(grace=SHUTDOWN_GRACE)
        await jobs.drain()  # deliveries in flight still need their clients
        await close_channel_clients(runtime)


async def _relay_loop(runtime: Runtime, jobs: JobDispatcher, wake: asyncio.Event) -> None:
    wake.set()  # catch up at start
    housekeeping_at = 0.0
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=RELAY_POLL_SECONDS)
        wake.clear()
        try:
            async with runtime.db.system() as session:
                claimed = await claim_undispatched(session)
            for batch in claimed:
                jobs.submit(DELIVER_JOB, ids=list(batch.ids))
            now = asyncio.get_running_loop().time()
            if jobs.celery is None and now >= housekeeping_at:  # no beat without a broker: purge here
                housekeeping_at = now + HOUSEKEEPING_SECONDS
                await forget_expired(runtime.db)
        except Exception:
            log.exception("outbox relay pass failed")
            await asyncio.sleep(1.0)
