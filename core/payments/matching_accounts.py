"""The accounts matched targets are credited to, with a refusal per target instead of a failed batch.

An allocator may refuse a target (a loan code whose loan does not exist here, a member no longer in the
group): that payment must become an exception while the rest of the batch is allocated. Each attempt runs
in a savepoint, so a refusal leaves the transaction usable.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.payments.allocation import target_accounts
from core.payments.matching_types import Target

__all__ = ["credit_accounts"]


async def credit_accounts(
    session: AsyncSession, organization_id: int, targets: Sequence[Target]
) -> tuple[dict[Target, int], dict[Target, DomainError]]:
    """(account per target, refusal per target): all of a purpose at once, one by one only after a refusal."""
    by_purpose: dict[str, list[Target]] = {}
    for t in dict.fromkeys(targets):
        by_purpose.setdefault(str(t.purpose), []).append(t)
    accounts: dict[Target, int] = {}
    refused: dict[Target, DomainError] = {}
    for group in by_purpose.values():
        try:
            async with session.begin_nested():
                accounts.update(await target_accounts(session, organization_id, group))
        except DomainError:
            for t in group:
                try:
                    async with session.begin_nested():
                        accounts.update(await target_accounts(session, organization_id, [t]))
                except DomainError as exc:
                    refused[t] = exc
    return accounts, refused
