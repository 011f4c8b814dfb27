"""USSD mechanics for any gateway: one hop in (session, phone, text), one screen out (text, end or not).

Paging keys (98 More, 0 Back, 00 Menu) are served here without the handler, but only the keys the current
page shows, so a member's "0" is a real answer on an unpaged screen. A session dropped by the network is
resumed when the member dials again within two minutes. The handler gets a time budget: past it the
session ends with a short notice and the replies follow by SMS.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dialogs.vocabulary import Channel, Inbound, InboundHandler, InboundKind, Reply
from ussd.screens import (
    HOME_KEY,
    NEXT_KEY,
    SCREEN_LIMIT,
    UssdPage,
    UssdScreen,
    compose,
    render_screen,
    with_home,
)
from ussd.session import RESUME_WINDOW, Lease, UssdSessionStore, UssdState

log = logging.getLogger(__name__)
Followup = Callable[[str, Sequence[Reply]], Awaitable[None]]  # (phone, replies) -> queue an SMS

HANDLER_BUDGET = 0.8  # seconds; gateways wait ~10 s but a member should never watch a spinner
SLOW_NOTICE = "Turacyabikora. Uraza kubona SMS vuba.\nWe are on it: you will get an SMS shortly."
ERROR_NOTICE = "Habaye ikibazo, ongera ugerageze.\nSomething went wrong, please try again."
CLIPPED_NOTICE = "\n(SMS irakurikira / full text by SMS)"


@dataclass(frozen=True, slots=True)
class UssdHop:
    """One gateway request, normalised. `cumulative`: `text` holds every input joined by * (Africa's
    Talking); otherwise it is the latest input only and `first` says whether the session just began."""

    session_id: str
    phone: str
    text: str
    cumulative: bool = True
    first: bool = False
    service_code: str = ""
    network: str = ""


@dataclass(frozen=True, slots=True)
class UssdAnswer:
    text: str
    end: bool


class UssdEngine:
    def __init__(
        self,
        handler: InboundHandler,
        store: UssdSessionStore,
        *,
        followup: Followup | None = None,
        budget: float = HANDLER_BUDGET,
        resume_window: float = RESUME_WINDOW,
        limit: int = SCREEN_LIMIT,
    ) -> None:
        self.handler = handler
        self.store = store
        self.followup = followup
        self.budget = budget
        self.resume_window = resume_window
        self.limit = limit
        self._background: set[asyncio.Task[None]] = set()

    async def hop(self, hop: UssdHop) -> UssdAnswer:
        loaded = await self.store.load(hop.session_id, hop.phone)
        lease = loaded.lease
        try:
            return await self._hop(hop, loaded.state, loaded.latest, lease)
        finally:  # every path gives the lease back (with its save, or here), but to a handler still running
            if lease is not None and not lease.released and not lease.handed_over:
                await self.store.release(lease)

    async def _hop(self, hop: UssdHop, state: UssdState | None, latest: UssdState | None,
                   lease: Lease | None) -> UssdAnswer:  # fmt: skip
        if state is None:
            return await self._start(hop, latest, lease)
        if state.final:
            return UssdAnswer(state.current_page.text, True)
        answer = self._latest_input(hop, state)
        if answer is None:  # the gateway repeated a hop we answered: same screen again
            return UssdAnswer(state.current_page.text, False)
        state = replace(state, last_text=hop.text if hop.cumulative else state.last_text, hops=state.hops + 1)
        page = state.current_page
        if answer in page.keys and answer != HOME_KEY:
            index = state.page + (1 if answer == NEXT_KEY else -1)
            index = min(max(index, 0), len(state.pages) - 1)
            state = replace(state, page=index, updated_at=time.time())
            await self.store.save(state, lease)
            return UssdAnswer(state.current_page.text, False)
        if answer == HOME_KEY and HOME_KEY in page.keys:
            inbound = self._inbound(hop, state, InboundKind.SESSION_START, answer, lease=lease)
        elif (choice := state.screen.choice_for(answer)) is not None:
            inbound = self._inbound(hop, state, InboundKind.CHOICE, answer, choice.id, lease=lease)
        else:
            inbound = self._inbound(hop, state, InboundKind.TEXT, answer, lease=lease)
        return await self._answer(hop, state, inbound, lease)

    async def _start(self, hop: UssdHop, previous: UssdState | None, lease: Lease | None) -> UssdAnswer:
        state = UssdState(hop.session_id, hop.phone, last_text=hop.text if hop.cumulative else "")
        if (
            previous is not None
            and previous.session_id != hop.session_id
            and not previous.final
            and previous.pages
            and time.time() - previous.updated_at <= self.resume_window
        ):
            page = with_home(previous.current_page, self.limit)
            pages = list(previous.pages)
            pages[previous.page] = (page.text, tuple(sorted(page.keys)))
            resumed = replace(
                previous, session_id=hop.session_id, last_text=state.last_text, pages=tuple(pages), hops=1
            )
            await self.store.save(replace(resumed, updated_at=time.time()), lease)
            log.info("ussd session %s resumes %s", hop.session_id, previous.session_id)
            return UssdAnswer(page.text, False)
        first_input = "" if hop.first or hop.cumulative else hop.text
        kind = InboundKind.TEXT if first_input else InboundKind.SESSION_START
        state = replace(state, hops=1)
        return await self._answer(hop, state, self._inbound(hop, state, kind, first_input, lease=lease), lease)

    async def _answer(self, hop: UssdHop, state: UssdState, inbound: Inbound, lease: Lease | None) -> UssdAnswer:
        replies = await self._call(hop.phone, inbound, lease)
        if replies is None:  # the handler, still running, keeps the lease
            await self.store.save(state.showing(render_screen([Reply(SLOW_NOTICE, final=True)], self.limit)))
            return UssdAnswer(SLOW_NOTICE, True)
        replies = replies or [Reply(ERROR_NOTICE, final=True)]
        body, _, final = compose(replies)
        if final and len(body) > self.limit and self.followup is not None:
            self._spawn(self._follow(hop.phone, replies))  # an END screen cannot page: the rest goes by SMS
            cut = self.limit - len(CLIPPED_NOTICE) - 3
            screen = UssdScreen((UssdPage(body[:cut].rstrip() + "..." + CLIPPED_NOTICE),), (), True)
        else:
            screen = render_screen(replies, self.limit)
        await self.store.save(state.showing(screen), lease)
        return UssdAnswer(screen.pages[0].text, screen.final)

    async def _call(self, phone: str, inbound: Inbound, lease: Lease | None) -> Sequence[Reply] | None:
        """The handler's replies; None when it overran the budget (its replies will follow by SMS)."""
        task = asyncio.ensure_future(self.handler(inbound))
        done, _ = await asyncio.wait((task,), timeout=self.budget)  # the task is never cancelled here
        if not done:
            log.warning(
                "ussd handler over %.1fs for %s; following up by SMS", self.budget, inbound.message_id
            )
            if lease is not None:
                lease.handed_over = True
            self._spawn(self._late(phone, task, lease))
            return None
        if (error := task.exception()) is not None:
            log.error("ussd handler failed for %s", inbound.message_id, exc_info=error)
            return [Reply(ERROR_NOTICE, final=True)]
        return task.result()

    async def _late(self, phone: str, task: asyncio.Future[Sequence[Reply]], lease: Lease | None) -> None:
        try:
            replies = await task
        except Exception:
            log.exception("late ussd handler failed for %s", phone)
            return
        finally:
            if lease is not None:
                await self.store.release(lease)
        await self._follow(phone, replies)

    async def _follow(self, phone: str, replies: Sequence[Reply]) -> None:
        if self.followup is None or not replies:
            return
        try:
            await self.followup(phone, [replace(r, final=False) for r in replies])
        except Exception:
            log.exception("ussd SMS follow-up failed for %s", phone)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for follow-ups (shutdown, tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def _latest_input(self, hop: UssdHop, state: UssdState) -> str | None:
        if not hop.cumulative:
            return hop.text
        if hop.text == state.last_text:
            return None
        if not state.last_text:
            return hop.text
        if hop.text.startswith(state.last_text + "*"):
            return hop.text[len(state.last_text) + 1 :]
        return hop.text.rsplit("*", 1)[-1]  # out of step with the gateway: trust its latest segment

    def _inbound(
        self, hop: UssdHop, state: UssdState, kind: InboundKind, text: str, choice_id: str | None = None, *,
        lease: Lease | None = None,
    ) -> Inbound:
        return Inbound(
            channel=Channel.USSD,
            sender=hop.phone,
            text=text,
            message_id=f"{hop.session_id}:{state.hops}",
            received_at=datetime.now(UTC),
            kind=kind,
            choice_id=choice_id,
            session_id=hop.session_id,
            serialized=lease is not None,
        )
