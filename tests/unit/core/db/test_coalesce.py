"""Coalescer: the calls of one event-loop tick go as one batch, each caller gets its own result; a failed
batch is retried call by call so only the bad call fails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from core.db.coalesce import Coalescer


async def ticks(n: int = 4) -> None:
    """Let the event loop run the tasks started so far up to their next wait."""
    for _ in range(n):
        await asyncio.sleep(0)


class Doubler:
    """run_many that records each batch and doubles its numbers; a negative number fails the batch."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, calls: Sequence[int]) -> list[int]:
        self.batches.append(list(calls))
        await self.release.wait()
        if any(c < 0 for c in calls):
            raise ValueError(f"negative in {list(calls)}")
        return [2 * c for c in calls]


async def test_the_calls_of_one_tick_go_as_one_batch_in_order() -> None:
    run = Doubler()
    coalesce = Coalescer(run)
    assert await asyncio.gather(*(coalesce(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert run.batches == [[0, 1, 2, 3, 4]]


async def test_a_quiet_service_sends_batches_of_one_without_waiting() -> None:
    run = Doubler()
    coalesce = Coalescer(run)
    assert await coalesce(1) == 2
    assert await coalesce(2) == 4
    assert run.batches == [[1], [2]]


async def test_calls_made_while_a_batch_is_on_its_way_form_the_next_one() -> None:
    run = Doubler()
    run.release.clear()
    coalesce = Coalescer(run)
    first = asyncio.gather(coalesce(1), coalesce(2))
    await ticks()
    second = asyncio.gather(coalesce(3))
    await ticks()
    assert run.batches == [[1, 2], [3]]  # the second did not wait for the first to come back
    run.release.set()
    assert (await first, await second) == ([2, 4], [6])


async def test_a_batch_is_at_most_max_batch_calls() -> None:
    run = Doubler()
    coalesce = Coalescer(run, max_batch=2)
    assert await asyncio.gather(*(coalesce(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert run.batches == [[0, 1], [2, 3], [4]]


async def test_a_failed_batch_is_retried_call_by_call_and_only_the_bad_call_fails() -> None:
    run = Doubler()
    coalesce = Coalescer(run)
    results = await asyncio.gather(coalesce(1), coalesce(-1), coalesce(3), return_exceptions=True)
    assert results[0] == 2 and results[2] == 6
    assert isinstance(results[1], ValueError)
    assert run.batches == [[1, -1, 3], [1], [-1], [3]]  # retried in the callers' order


async def test_a_batch_of_one_that_fails_fails_its_caller_once() -> None:
    run = Doubler()
    coalesce = Coalescer(run)
    with pytest.raises(ValueError, match="negative"):
        await coalesce(-5)
    assert run.batches == [[-5]]


async def test_a_caller_who_stops_waiting_leaves_the_others_their_results() -> None:
    run = Doubler()
    run.release.clear()
    coalesce = Coalescer(run)
    gone = asyncio.ensure_future(coalesce(1))
    stays = asyncio.ensure_future(coalesce(2))
    await ticks()
    gone.cancel()
    run.release.set()
    assert await stays == 4
    assert gone.cancelled()
    assert run.batches == [[1, 2]]  # the statement ran for the caller who left all the same


async def test_a_wrong_number_of_results_is_an_error_not_a_mix_up() -> None:
    async def short(calls: Sequence[int]) -> list[int]:
        return [0] if len(calls) > 1 else [7]

    coalesce = Coalescer(short)
    assert await asyncio.gather(coalesce(1), coalesce(2)) == [7, 7]  # the batch was refused, then call by call


async def test_drain_waits_for_the_batches_on_their_way() -> None:
    run = Doubler()
    run.release.clear()
    coalesce = Coalescer(run)
    pending = asyncio.ensure_future(coalesce(4))
    await ticks()
    run.release.set()
    await coalesce.drain()
    assert pending.done() and pending.result() == 8


def test_a_batch_holds_at_least_one_call() -> None:
    with pytest.raises(ValueError):
        Coalescer(Doubler(), max_batch=0)


def test_a_new_event_loop_is_not_held_up_by_calls_an_old_one_left() -> None:
    run = Doubler()
    coalesce = Coalescer(run)
    old = asyncio.new_event_loop()
    old.create_task(coalesce(1))
    old.call_soon(old.stop)
    old.run_forever()  # one pass: the call is queued and its end-of-tick send scheduled, then the loop stops
    old.close()
    assert asyncio.run(asyncio.wait_for(coalesce(2), 2)) == 4
    assert run.batches == [[2]]


async def test_callers_still_queued_for_a_retry_are_cancelled_with_it_not_left_waiting() -> None:
    never = asyncio.Event()
    batches: list[list[int]] = []

    async def run_many(calls: Sequence[int]) -> list[int]:
        batches.append(list(calls))
        if len(calls) > 1:
            raise ValueError("the batch fails")
        await never.wait()  # the retry of the first call hangs
        return list(calls)

    coalesce = Coalescer(run_many)
    first, second = asyncio.ensure_future(coalesce(1)), asyncio.ensure_future(coalesce(2))
    await ticks()
    sending = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "Coalescer._send"]  # type: ignore[union-attr]
    assert batches == [[1, 2], [1]] and len(sending) == 1
    sending[0].cancel()
    done, _ = await asyncio.wait((first, second), timeout=1)
    assert done == {first, second}  # the second, never retried, does not wait for ever
    assert first.cancelled() and second.cancelled()
