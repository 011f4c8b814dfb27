"""`ibimina inbox`: the backlog and the given-up webhooks with their errors; --retry puts one back."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from core.db.database import Database
from core.messaging.inbox import MAX_ATTEMPTS, InboxItem, claim_due, record_failure, store
from tests.support.inbox import finish_open_inbox


async def test_inbox_shows_given_up_rows_and_retry_puts_one_back(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    item_id = await store(db, "telegram", {"update_id": secrets.randbelow(10**9)}, claim=True)
    await record_failure(db, InboxItem(item_id, "telegram", {}, MAX_ATTEMPTS), "KeyError: 'chat'")
    env = {"DATABASE_URL": database_url, "IBIMINA_DATA_DIR": str(tmp_path), "REDIS_URL": "", "CELERY_BROKER_URL": ""}

    def run(*args: str) -> object:
        return CliRunner().invoke(main, ["inbox", *args], env=env)

    shown = await asyncio.to_thread(run, "--json")
    assert shown.exit_code == 0, shown.output  # type: ignore[attr-defined]
    report = json.loads(shown.output.splitlines()[-1])  # type: ignore[attr-defined]
    row = next(r for r in report["given_up"] if r["id"] == item_id)
    assert (row["provider"], row["attempts"], row["error"]) == ("telegram", 1, "KeyError: 'chat'")
    assert report["failed"] >= 1

    retried = await asyncio.to_thread(run, "--retry", str(item_id))
    assert retried.exit_code == 0 and f"Row {item_id} is back" in retried.output  # type: ignore[attr-defined]
    claimed = [i for i in await claim_due(db, 100) if i.id == item_id]
    assert [(i.id, i.attempts) for i in claimed] == [(item_id, 1)]  # a fresh set of attempts
    again = await asyncio.to_thread(run, "--retry", str(item_id))
    assert again.exit_code == 1 and "no given-up inbox row" in again.output  # type: ignore[attr-defined]
    await finish_open_inbox(db)
