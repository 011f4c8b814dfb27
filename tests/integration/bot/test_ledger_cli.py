"""`ibimina ledger check` exits 0 with a one-line summary, and 1 naming the account whose balance was tampered."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner, Result
from sqlalchemy import text

from bot.cli import main
from core.audit.service import Actor
from core.db.database import Database
from core.ledger.operations import record_contribution
from tests.integration.core.ledger.helpers import make_books, rwf


async def test_ledger_check_command(db: Database, owner_db: Database, database_url: str, tmp_path: object) -> None:
    b = await make_books(db)
    async with db.tenant(b.org.id) as s:
        await record_contribution(s, b.org.id, b.members[0].id, b.group.id, rwf(2500), idempotency_key="cli",
                                  actor=Actor.system("tests"))
    env = {"DATABASE_URL": database_url, "IBIMINA_DATA_DIR": str(tmp_path), "REDIS_URL": "", "CELERY_BROKER_URL": ""}
    runner = CliRunner()

    def check(*extra: str) -> Result:  # the CLI runs its own event loop: call it from a thread
        return runner.invoke(main, ["ledger", "check", *extra], env=env)

    ok = await asyncio.to_thread(check)
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ledger check: ") and ok.output.rstrip().endswith("all balanced")

    async with owner_db.system() as s:
        await s.execute(text("UPDATE ledger_balances SET balance = balance + 1 WHERE account_id = :a"),
                        {"a": b.savings[0]})
    try:
        broken = await asyncio.to_thread(check, "--organization", str(b.org.id))
        assert broken.exit_code == 1
        assert f"account {b.savings[0]}" in broken.output and "kept 2501" in broken.output
        as_json = json.loads((await asyncio.to_thread(check, "--organization", str(b.org.id), "--json")).output)
        assert as_json["ok"] is False and as_json["problems"][0]["kind"] == "balance"
    finally:
        async with owner_db.system() as s:
            await s.execute(text("UPDATE ledger_balances SET balance = balance - 1 WHERE account_id = :a"),
                            {"a": b.savings[0]})
    assert (await asyncio.to_thread(check, "--organization", str(b.org.id))).exit_code == 0
