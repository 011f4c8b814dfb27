"""`ibimina audit verify` passes on an intact chain and names an edited row (exit 1); `rotate-keys` runs."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner, Result
from sqlalchemy import text

from bot.cli import main
from core.audit.service import Actor, record
from core.crypto.pii import PiiCipher, generate_key_spec, parse_keys
from core.db.database import Database
from core.members.service import create_member
from tests.support.factories import TEST_ACTOR, make_organization, new_phone


def _env(database_url: str, tmp_path: object) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "IBIMINA_DATA_DIR": str(tmp_path),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }


async def test_audit_verify_passes_then_names_the_edited_row(
    db: Database, owner_db: Database, database_url: str, tmp_path: object
) -> None:
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        target = await record(
            s, organization_id=org.id, actor=Actor.staff(1), action="test.cli", details={"n": 1}
        )
    env = _env(database_url, tmp_path)
    runner = CliRunner()

    def verify(*extra: str) -> Result:  # the CLI runs its own event loop: call it from a thread
        return runner.invoke(main, ["audit", "verify", *extra], env=env)

    ok = await asyncio.to_thread(verify)
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output

    async def set_action(value: str) -> None:
        async with owner_db.system() as s:
            await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await s.execute(
                text("UPDATE audit_log SET action = :v WHERE id = :i"), {"v": value, "i": target.id}
            )
            await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))

    await set_action("tampered")
    try:
        broken = await asyncio.to_thread(verify)
        assert broken.exit_code == 1
        assert f"audit_log id {target.id}" in broken.output and "edited" in broken.output
        as_json = await asyncio.to_thread(verify, "--json")
        report = json.loads(as_json.output)
        assert as_json.exit_code == 1 and report["ok"] is False
        assert [p["audit_id"] for p in report["problems"]] == [target.id]
    finally:
        await set_action("test.cli")  # the session's database is shared: put the row back
    assert (await asyncio.to_thread(verify)).exit_code == 0


async def test_rotate_keys_re_encrypts_under_the_first_key(
    db: Database, database_url: str, tmp_path: object
) -> None:
    old, new = generate_key_spec("cli_old"), generate_key_spec("cli_new")
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        await create_member(
            s,
            organization_id=org.id,
            phone=new_phone(),
            first_name="R",
            last_name="K",
            actor=TEST_ACTOR,
            national_id="1199880012349999",
            pii=PiiCipher(parse_keys(old, allow_derived=False)),
        )
    runner = CliRunner()
    env = {**_env(database_url, tmp_path), "PII_ENCRYPTION_KEYS": f"{new},{old}"}

    def rotate(*args: str) -> Result:
        return runner.invoke(main, ["rotate-keys", *args], env=env)

    spec = await asyncio.to_thread(rotate, "--new-key", "k2027")
    assert spec.exit_code == 0 and spec.output.startswith("k2027:")
    result = await asyncio.to_thread(rotate, "--organization", str(org.id), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"current_key_id": "cli_new", "national_ids": 1, "totp_secrets": 0}
