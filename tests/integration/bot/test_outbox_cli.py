"""`ibimina outbox`: one JSON object per line with the reply, its choices and status; filters narrow it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from core.db.database import Database
from core.messaging.models import OutboxMessage
from core.messaging.outbox import enqueue_replies, record_sent
from dialogs.vocabulary import Choice, Reply
from tests.support.provider_payloads import unique_phone


async def test_outbox_json_lines_and_filters(db: Database, database_url: str, tmp_path: Path) -> None:
    phone, other = unique_phone(), unique_phone()
    async with db.system() as s:
        ids = await enqueue_replies(s, organization_id=None, member_id=None, channel="whatsapp", recipient=phone,
                                    replies=[Reply("Choose:", choices=(Choice("bal", "Balance"),))], dispatched=True)  # fmt: skip
        await enqueue_replies(s, organization_id=None, member_id=None, channel="sms", recipient=other,
                              replies=[Reply("hi")], dispatched=True)  # fmt: skip
        row = await s.get(OutboxMessage, ids[0])
        assert row is not None
        await record_sent(s, [row], provider="sandbox", provider_message_ids=["sandbox-1"])
    env = {
        "DATABASE_URL": database_url,
        "IBIMINA_DATA_DIR": str(tmp_path),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["outbox", "--json", "--phone", phone.replace("+250", "0")], env=env
    )
    assert result.exit_code == 0, result.output
    [line] = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    assert {k: line[k] for k in ("channel", "recipient", "text", "status", "provider")} == {
        "channel": "whatsapp", "recipient": phone, "text": "Choose:", "status": "sent", "provider": "sandbox",
    }  # fmt: skip
    assert line["choices"] == [{"id": "bal", "title": "Balance", "description": None}] and line["created_at"]
    sms = await asyncio.to_thread(
        CliRunner().invoke, main, ["outbox", "--channel", "sms", "--limit", "5"], env=env
    )
    assert sms.exit_code == 0 and other in sms.output and phone not in sms.output
