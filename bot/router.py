"""The conversation router: per-member lock, load state, NLU, one dialog step, save state and transcript.

Channels get `make_handler(runtime)` injected and call it with each Inbound; it returns the replies to
render. The replies are also recorded in the transcript the support inbox shows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation_locks import ConversationBusy, ConversationLocks, make_locks
from bot.runtime import Runtime
from channels.base import reply_from_row
from core.conversations.handoffs import note_member_message, open_handoff_for
from core.conversations.models import Conversation, Direction, Handoff
from core.conversations.state import (
    conversation_key,
    remember_member,
    save_state,
    set_language,
    set_opted_out,
)
from core.conversations.transcript import record_message, replies_to
from core.conversations.turns import Line, Membership, TurnRow, load_turn, save_turn
from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.identity.ratelimit import RateLimiter, make_rate_limiter
from core.messaging.outbox import transcript_payload
from core.phones import try_normalise_phone
from core.settings import Settings
from dialogs.context import Context, MemberRef
from dialogs.dispatch import Engine
from dialogs.engine import DialogState, Outcome, Turn
from dialogs.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator
from dialogs.keywords import Command, command_for
from dialogs.registry import DIALOGS
from dialogs.vocabulary import Channel, Inbound, InboundHandler, InboundKind, Reply
from nlu.factory import load_default, make_backend
from nlu.types import NluBackend, ParseResult

log = logging.getLogger(__name__)
OTP_MASK = "******"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the first, short transaction found: the conversation and who the phone belongs to."""

    conversation_id: int
    key: str
    phone: str | None
    state: DialogState
    language: str | None
    opted_out: bool
    idle: bool
    member: MemberRef | None
    candidates: tuple[MemberRef, ...]
    organization_id: int | None = None  # who the phone talks as once this turn is saved
    member_id: int | None = None


class Router:
    """Handles one inbound at a time per conversation; safe to share between channels and tasks."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        locks: ConversationLocks,
        nlu: NluBackend | None,
        engine: Engine | None = None,
        rate_limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = utcnow,
        nlu_loader: Callable[[], NluBackend] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.locks = locks
        self.nlu = nlu
        self.engine = engine or Engine(DIALOGS)
        self.rate_limiter = rate_limiter
        self.clock = clock
        self.nlu_loader = nlu_loader  # loads `nlu` off the event loop when it is None (see warm)
        self._nlu_lock = asyncio.Lock()

    async def warm(self) -> None:
        """Load the NLU model in a thread and parse once (service start-up), so no member waits for it."""
        if self.nlu is not None or self.nlu_loader is None:
            return
        async with self._nlu_lock:
            if self.nlu is None:
                nlu = await asyncio.to_thread(self.nlu_loader)
                await nlu.aparse("hello")
                self.nlu = nlu

    async def __call__(self, inbound: Inbound) -> Sequence[Reply]:
        sender = try_normalise_phone(inbound.contact_phone) or inbound.sender
        key, phone = conversation_key(inbound.channel.value, sender)
        if inbound.serialized:
            return await self.turn(inbound, key, phone)
        try:
            async with self.locks.hold(key):
                return await self.turn(inbound, key, phone)
        except ConversationBusy:
            log.warning("conversation %s busy; message %s not processed", key, inbound.message_id)
            return (Reply(Translator(DEFAULT_LANGUAGE)("common.busy"), final=inbound.channel is Channel.USSD),)

    async def turn(self, inbound: Inbound, key: str, phone: str | None) -> Sequence[Reply]:
        """Load (one statement), understand, one dialog step, save (one statement); under the caller's lock."""
        now = self.clock()
        # A provider retrying the same message id gets no second answer (USSD ids repeat per session).
        message_id = None if inbound.channel is Channel.USSD else inbound.message_id or None
        row = await load_turn(self.db, key=key, phone=phone, channel=inbound.channel.value, message_id=message_id)
        loaded = self._load(row, now)
        if row.duplicate and message_id is not None:
            return await self._replayed(row.id, inbound.channel, message_id)
        to_agent = row.handoff_open and inbound.channel is not Channel.USSD and not _is_stop(inbound)
        muted = loaded.opted_out and inbound.channel is not Channel.USSD and not _is_start_or_stop(inbound)
        if to_agent or muted:  # rare: the ORM row, locked, for the hand-off and opt-out paths
            async with self.db.system() as session:
                conversation = await _locked_conversation(session, row.id, loaded.member)
                handoff = await open_handoff_for(session, row.id) if to_agent else None
                if handoff is not None:
                    return await self._to_agent(session, conversation, handoff, inbound, loaded, now)
                if muted:
                    await _record_inbound(session, conversation, inbound)
                    conversation.last_inbound_at = now
                    return ()
        parse = await self._understand(inbound, loaded)
        language = loaded.language or (parse.language if parse and parse.language in LANGUAGES else None)
        ctx = Context(
            db=self.db, settings=self.settings, channel=inbound.channel,
            language=language or DEFAULT_LANGUAGE, now=now, conversation_id=loaded.conversation_id,
            conversation_key=key, phone=phone, member=loaded.member, candidates=loaded.candidates,
            rate_limiter=self.rate_limiter,
        )
        turn = Turn(text=inbound.text or "", choice_id=inbound.choice_id, parse=parse,
                    session_start=inbound.kind is InboundKind.SESSION_START)
        outcome = await self._run(ctx, loaded, turn, inbound)
        await self._save(ctx, loaded, inbound, outcome, now, detected_language=language)
        return outcome.replies

    async def _replayed(self, conversation_id: int, channel: Channel, message_id: str) -> Sequence[Reply]:
        """What the saved turn answered a message the provider (or our webhook inbox) sent again. The channel
        queues these once per message (outbox `reply_to`): after a crash between the turn's save and its
        outbox rows they are sent now, and otherwise they are queued already and nothing is sent twice. A
        reply that carried a one-time code is not replayed: the transcript never holds the code."""
        async with self.db.system() as session:
            lines = await replies_to(session, conversation_id, channel=channel.value, message_id=message_id)
        replies = [reply_from_row(line.text, line.choices, line.payload or {}) for line in lines
                   if not (line.payload or {}).get("otp")]  # fmt: skip
        if len(replies) < len(lines):
            log.warning("a one-time code in the answer to %s is not replayed; the member asks again", message_id)
        return replies

    def _load(self, row: TurnRow, now: datetime) -> Loaded:
        candidates = [_member_ref(m) for m in row.memberships]
        member = None
        if len(candidates) == 1:
            member = candidates[0]
        else:
            member = next((c for c in candidates if c.organization_id == row.organization_id), None)
        organization_id, member_id = row.organization_id, row.member_id
        if member is not None:
            organization_id, member_id = member.organization_id, member.member_id
        language = row.language
        if member is not None:
            language = member.language
        elif candidates and language is None:
            language = candidates[0].language  # until the SACCO is chosen
        state = DialogState(
            dialog=row.dialog, state=row.state, slots=dict(row.slots), choices=row.choices, awaiting=row.awaiting
        )
        idle = state.active and row.updated_at < now - timedelta(minutes=self.settings.conversation_idle_minutes)
        return Loaded(
            conversation_id=row.id, key=row.key, phone=row.phone,
            state=DialogState() if idle else state, language=language,
            opted_out=row.opted_out_at is not None, idle=idle, member=member,
            candidates=tuple(candidates), organization_id=organization_id, member_id=member_id,
        )

    async def _understand(self, inbound: Inbound, loaded: Loaded) -> ParseResult | None:
        """NLU on free text; numbers, taps and keywords are read without it."""
        text = (inbound.text or "").strip()
        if inbound.kind is not InboundKind.TEXT or not text or text.isdigit() or command_for(text) is not None:
            return None
        if self.nlu is None:
            await self.warm()  # a no-op without a loader; else only when start-up did not warm it
        if self.nlu is None:
            return None
        try:
            return await self.nlu.aparse(text, language_hint=loaded.language)
        except Exception:  # noqa: BLE001 - a broken NLU backend must not silence the bot: numbers still work
            log.exception("NLU failed; continuing without it")
            return None

    async def _run(self, ctx: Context, loaded: Loaded, turn: Turn, inbound: Inbound) -> Outcome:
        try:
            if loaded.idle and not turn.session_start and turn.confident() is None:
                entry = self.engine.entry(ctx)
                return await self.engine.begin(ctx, entry, turn, before=(Reply(ctx.t("common.expired")),))
            return await self.engine.run(ctx, loaded.state, turn)
        except Exception:
            log.exception("dialog step failed for conversation %s", loaded.key)
            return Outcome(DialogState(), (Reply(ctx.t("common.failed"), final=True),))

    async def _save(self, ctx: Context, loaded: Loaded, inbound: Inbound, outcome: Outcome, now: datetime,
                    detected_language: str | None) -> None:
        effects = ctx.effects
        if effects.language is not None or effects.opted_out is not None:
            await self._save_with_effects(ctx, loaded, inbound, outcome, now, detected_language)
            return
        organization_id, member_id = loaded.organization_id, loaded.member_id
        if effects.member is not None:
            organization_id, member_id = effects.member.organization_id, effects.member.member_id
        state = outcome.state
        lines = [_inbound_line(inbound), *(_reply_line(inbound.channel, reply) for reply in outcome.replies)]
        await save_turn(
            self.db, conversation_id=loaded.conversation_id, organization_id=organization_id,
            member_id=member_id, detected_language=detected_language, dialog=state.dialog, state=state.state,
            slots=state.slots, choices=state.choices, awaiting=state.awaiting, channel=inbound.channel.value,
            now=now, lines=lines,
        )

    async def _save_with_effects(self, ctx: Context, loaded: Loaded, inbound: Inbound, outcome: Outcome,
                                 now: datetime, detected_language: str | None) -> None:
        """A language change or STOP/START also writes member rows: the ORM row, as before."""
        async with self.db.system() as session:
            conversation = await _locked_conversation(session, loaded.conversation_id, loaded.member)
            effects = ctx.effects
            _remember(conversation, effects.member)
            if effects.language is not None:
                await set_language(session, conversation, effects.language)
            elif conversation.language is None and detected_language is not None:
                conversation.language = detected_language
            if effects.opted_out is not None:
                await set_opted_out(session, conversation, opted_out=effects.opted_out, now=now)
            state = outcome.state
            save_state(conversation, dialog=state.dialog, state=state.state, slots=state.slots,
                       choices=state.choices, awaiting=state.awaiting, channel=inbound.channel.value, now=now)
            conversation.last_inbound_at = now
            await _record_inbound(session, conversation, inbound)
            for reply in outcome.replies:
                await _record_reply(session, conversation, inbound.channel, reply)

    async def _to_agent(self, session: AsyncSession, conversation: Conversation, handoff: Handoff,
                        inbound: Inbound, loaded: Loaded, now: datetime) -> Sequence[Reply]:
        """During a hand-off the member talks to the agent: stored for the inbox, one acknowledgement."""
        await _record_inbound(session, conversation, inbound, handoff_id=handoff.id)
        conversation.last_inbound_at = now
        conversation.channel = inbound.channel.value
        handoff.channel = inbound.channel.value
        if not note_member_message(handoff, now):
            return ()
        reply = Reply(Translator(loaded.language or handoff.language)("handoff.passed_on"))
        await _record_reply(session, conversation, inbound.channel, reply, handoff_id=handoff.id)
        return (reply,)


def _is_stop(inbound: Inbound) -> bool:
    return command_for(inbound.text or "") is Command.STOP


def _is_start_or_stop(inbound: Inbound) -> bool:
    return command_for(inbound.text or "") in (Command.START, Command.STOP) or inbound.choice_id in ("start", "stop")


async def _locked_conversation(session: AsyncSession, conversation_id: int, member: MemberRef | None) -> Conversation:
    """The ORM row, locked, for the rare paths that change more than the turn's state (hand-off, opt-out,
    language), remembering who the phone talks as."""
    conversation = await session.get(Conversation, conversation_id, with_for_update=True)
    assert conversation is not None
    _remember(conversation, member)
    return conversation


def _remember(conversation: Conversation, member: MemberRef | None) -> None:
    if member is not None:
        remember_member(conversation, organization_id=member.organization_id, member_id=member.member_id)


def _member_ref(m: Membership) -> MemberRef:
    return MemberRef(
        organization_id=m.organization_id, member_id=m.member_id, first_name=m.first_name, full_name=m.full_name,
        organization_name=m.organization_name, currency=m.currency, merchant_code=m.merchant_code,
        language=m.language,
    )


def _inbound_line(inbound: Inbound) -> Line:
    return Line(direction=Direction.INBOUND.value, channel=inbound.channel.value, text=inbound.text or "",
                choice_id=inbound.choice_id, message_id=inbound.message_id or None)


def _reply_line(channel: Channel, reply: Reply, handoff_id: int | None = None) -> Line:
    """The transcript never holds a one-time code: support staff must not be able to read it."""
    text = reply.text.replace(reply.otp, OTP_MASK) if reply.otp else reply.text
    return Line(direction=Direction.OUTBOUND.value, channel=channel.value, text=text,
                choices=tuple((c.id, c.title) for c in reply.choices), payload=transcript_payload(reply),
                handoff_id=handoff_id)  # fmt: skip


async def _record_inbound(session: AsyncSession, conversation: Conversation, inbound: Inbound,
                          handoff_id: int | None = None) -> None:
    await record_message(
        session, conversation, direction=Direction.INBOUND, channel=inbound.channel.value,
        text=inbound.text or "", choice_id=inbound.choice_id, message_id=inbound.message_id or None,
        handoff_id=handoff_id,
    )


async def _record_reply(session: AsyncSession, conversation: Conversation, channel: Channel, reply: Reply,
                        handoff_id: int | None = None) -> None:
    line = _reply_line(channel, reply, handoff_id)
    await record_message(
        session, conversation, direction=Direction.OUTBOUND, channel=line.channel, text=line.text,
        choices=line.choices, payload=line.payload, handoff_id=line.handoff_id,
    )


def default_nlu(settings: Settings) -> NluBackend:
    """The NLU backend the settings name: the local model (default), or a Rasa server with it as fallback."""
    if settings.nlu_backend == "local":
        return load_default()  # one per process, shared with every other user of the local model
    return make_backend(settings.nlu_backend, settings.rasa_url)


def make_handler(runtime: Runtime, *, nlu: NluBackend | None = None) -> InboundHandler:
    """The handler channels are injected with: one Router per runtime, locks on Redis or PostgreSQL.

    The NLU model loads on first need, or at start-up when the app's warm-up calls `Router.warm`."""
    router = runtime.extras.get("router")
    if not isinstance(router, Router):
        router = Router(
            db=runtime.db,
            settings=runtime.settings,
            locks=make_locks(runtime.db, runtime.redis_wire),
            nlu=nlu,
            nlu_loader=None if nlu is not None else partial(default_nlu, runtime.settings),
            rate_limiter=make_rate_limiter(
                runtime.db, runtime.redis, IdentityKeys.from_settings(runtime.settings).rate_limit
            ),
        )
        runtime.extras["router"] = router
    return router


__all__ = ["Router", "make_handler"]
