"""Process-unique ids: no repeats within a process, and a forked child starts a series of its own (request
ids and conversation lock tokens both come from here)."""

from __future__ import annotations

import os
from collections.abc import Callable

from core.conversations.redis_lock import new_token
from core.unique_ids import UniqueIds


def _in_a_forked_child(make: Callable[[], str]) -> str:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child writes one id and leaves at once
        os.write(write, make().encode())
        os._exit(0)
    os.close(write)
    made = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(child, 0)
    return made


def test_ids_do_not_repeat_and_a_forked_child_starts_its_own_series() -> None:
    ids = UniqueIds()
    ours = {ids.new() for _ in range(10_000)}
    assert len(ours) == 10_000
    theirs = _in_a_forked_child(ids.new)
    assert theirs and theirs not in ours and theirs.split("-")[0] != ids.prefix


def test_lock_tokens_differ_between_a_parent_and_its_forked_worker() -> None:
    ours = {new_token() for _ in range(1_000)}
    theirs = _in_a_forked_child(new_token)
    assert len(ours) == 1_000 and theirs not in ours
    assert theirs.split(":")[0] not in {token.split(":")[0] for token in ours}
