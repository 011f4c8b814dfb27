"""Group commit for hot-path statements: the calls one event-loop tick makes go to PostgreSQL as one.

A busy service makes the same call (load a conversation turn, save one) for many requests in the same tick:
their Redis replies arrive together and their handlers run on together. Sent one by one, each call pays the
whole fixed cost of a statement: the round trip, a transaction and its commit, executor start-up for every
query of the function. Most of PostgreSQL's CPU per turn was that, not the rows. A Coalescer queues the
calls of one tick and, at the end of it, sends them as one call of the statement's array form; every caller
still waits for its own result, after the commit, so nothing is weaker than a call of its own: the reply
goes out only once the write is durable, and the next turn reads what this one wrote. A quiet service
sends batches of one, with no timer and no added wait; a busy one sends bigger batches as load grows. The
price: a batch is one backend's work, so a tick's calls no longer spread over PostgreSQL's cores, and each
caller waits for the whole batch: at moderate load it buys no latency; it pays off as load grows.

When a batch fails, its calls are retried one at a time, in order, so one bad call fails only its caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Call = TypeVar("Call")
Result = TypeVar("Result")


class Coalescer(Generic[Call, Result]):
    """`await coalescer(call)` runs `run_many([call, ...])` for the calls of one tick; `run_many` returns
    one result per call, in order."""

    def __init__(
        self, run_many: Callable[[Sequence[Call]], Awaitable[Sequence[Result]]], *, max_batch: int = 64
    ) -> None:
        if max_batch < 1:
            raise ValueError("a batch holds at least one call")
        self._run_many = run_many
        self.max_batch = max_batch
        self._pending: list[tuple[Call, asyncio.Future[Result]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def __call__(self, call: Call) -> Result:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a CLI run, a job): calls an old one left are orphans
            self._loop, self._pending = loop, []
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((call, future))
        if len(self._pending) >= self.max_batch:
            self._flush()
        elif len(self._pending) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return  # a full batch went already; this was its end-of-tick callback
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[Call, asyncio.Future[Result]]]) -> None:
        try:
            results = await self._run_many([call for call, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{len(batch)} calls, {len(results)} results")
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - each caller gets its own outcome below
            if len(batch) == 1:
                _settle(batch[0][1], exc=exc)
                return
            log.warning("a batch of %d calls failed (%s); retrying them one at a time", len(batch), exc)
            try:
                for one in batch:
                    await self._send([one])  # a batch of one settles its own caller
            except asyncio.CancelledError:  # the callers not retried yet must not wait for ever
                for _, future in batch:
                    future.cancel()
                raise
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)

    async def drain(self) -> None:
        """Wait for the batches on their way (shutdown, tests)."""
        while self._pending or self._sending:
            if self._pending:
                self._flush()
            await asyncio.gather(*self._sending, return_exceptions=True)


def _settle(future: asyncio.Future[Result], *, result: Result | None = None, exc: BaseException | None = None) -> None:
    """A caller who stopped waiting (cancelled) is skipped; the statement ran for it all the same."""
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)  # type: ignore[arg-type]
