"""The outbox queues a reply to an inbound message once, however often that message is worked: rows name the
message they answer (`reply_to`), unique with their position; what was queued before is not queued again."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from core.db.database import Database
from core.messaging.models import OutboxMessage
from core.messaging.outbox import enqueue_replies, transcript_payload
from dialogs.vocabulary import Choice, Link, Reply
from tests.support.provider_payloads import unique_phone


async def queue(db: Database, recipient: str, replies: list[Reply], reply_to: str | None) -> list[int]:
    async with db.system() as s:
        return await enqueue_replies(s, organization_id=None, member_id=None, channel="whatsapp",
                                     recipient=recipient, replies=replies, dispatched=True, reply_to=reply_to)  # fmt: skip


async def texts(db: Database, recipient: str) -> list[tuple[str, str | None, int]]:
    async with db.system() as s:
        rows = await s.execute(
            select(OutboxMessage.text, OutboxMessage.reply_to, OutboxMessage.position)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def test_replies_to_one_message_are_queued_once_and_in_order(db: Database) -> None:
    phone = unique_phone()
    message = f"whatsapp:wamid.{secrets.token_hex(8)}"
    answer = [Reply("Your savings: RWF 12,000."), Reply("Anything else?", choices=(Choice("menu", "Menu"),))]
    first = await queue(db, phone, answer, message)
    assert len(first) == 2 and first == sorted(first)
    assert await queue(db, phone, answer, message) == []  # the retry: nothing new, nothing returned
    assert await texts(db, phone) == [("Your savings: RWF 12,000.", message, 0), ("Anything else?", message, 1)]
    other = f"whatsapp:wamid.{secrets.token_hex(8)}"
    assert len(await queue(db, phone, answer[:1], other)) == 1  # another message's answer is its own


async def test_replies_that_answer_no_message_are_always_queued(db: Database) -> None:
    phone = unique_phone()
    reminder = [Reply("Your contribution is due on Tuesday.")]
    assert len(await queue(db, phone, reminder, None)) == 1
    assert len(await queue(db, phone, reminder, None)) == 1
    assert [t for t, _, _ in await texts(db, phone)] == [reminder[0].text] * 2


def test_the_transcript_keeps_a_replys_flags_but_not_its_one_time_code() -> None:
    assert transcript_payload(Reply("Hello")) is None
    assert transcript_payload(Reply("Share your phone", request_contact=True)) == {"request_contact": True}
    assert transcript_payload(Reply("Pay", link=Link("tel:*182%23", "Dial"))) == {
        "link": {"url": "tel:*182%23", "title": "Dial"}
    }
    assert transcript_payload(Reply("Your code is 123456", otp="123456")) == {"otp": True}
