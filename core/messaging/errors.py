"""Delivery outcomes a job reports: try again later (transient), or give up (permanent)."""

from __future__ import annotations


class RetryLater(Exception):  # noqa: N818 - an instruction to the job runner, not an error condition
    """The job should run again after `delay` seconds (rate limited, provider busy, network down)."""

    def __init__(self, reason: str, delay: float, *, max_retries: int = 8) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.max_retries = max_retries


def backoff(attempt: int, *, base: float = 2.0, cap: float = 600.0) -> float:
    """Exponential backoff with a ceiling: 2, 4, 8 ... seconds (attempt counts from 1)."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))
