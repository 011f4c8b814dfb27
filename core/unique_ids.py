"""Ids unique across processes and hosts without a system call each: a random prefix per process, then a
counter. For values that must not repeat but need not be secret (request ids, lock tokens).

A forked child draws a new prefix and restarts its counter; otherwise two workers forked from one parent
would hand out the same ids (two holders of one conversation lock would share a token and release each
other's lock).
"""

from __future__ import annotations

import itertools
import os
import secrets


class UniqueIds:
    def __init__(self, separator: str = "-") -> None:
        self.separator = separator
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        self.prefix = secrets.token_hex(6)
        self.serial = itertools.count(1)

    def new(self) -> str:
        return f"{self.prefix}{self.separator}{next(self.serial):x}"
