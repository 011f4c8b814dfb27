"""Messages to members about loans (guarantor requests, reminders), queued on each member's own channel.

Core knows no catalogue: a notice is a message id with values, and the caller (a dialog or a job) passes the
renderer that turns it into the member's language. Money values are passed as Money for the renderer to format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.members.models import Member
from core.messaging.identities import enqueue_for_member


@dataclass(frozen=True, slots=True)
class LoanNotice:
    member_id: int
    msgid: str
    values: Mapping[str, object] = field(default_factory=dict)
    meta: Mapping[str, str] = field(default_factory=dict)  # e.g. {"dialog": "guarantor", "loan_id": "17"}


class NoticeRenderer(Protocol):
    def __call__(self, language: str, msgid: str, values: Mapping[str, object]) -> str: ...


@dataclass(frozen=True, slots=True)
class _Text:
    """The smallest ReplyLike: plain text to deliver."""

    text: str
    meta: Mapping[str, str]
    choices: Sequence[object] = ()
    link: None = None
    expects_answer: bool = False
    final: bool = False
    otp: None = None
    request_contact: bool = False


async def send_notices(
    session: AsyncSession, organization_id: int, notices: Sequence[LoanNotice], render: NoticeRenderer,
    *, source: str = "loans",
) -> int:
    """Queue each notice for its member in their language; returns how many were queued (opted-out are skipped)."""
    sent = 0
    for notice in notices:
        member = await session.get(Member, notice.member_id)
        if member is None or member.organization_id != organization_id or member.opted_out_at is not None:
            continue
        text = render(member.language, notice.msgid, notice.values)
        await enqueue_for_member(
            session, organization_id=organization_id, member_id=member.id, phone=member.phone,
            replies=[_Text(text, dict(notice.meta))], source=source,  # type: ignore[list-item]
        )
        sent += 1
    return sent
