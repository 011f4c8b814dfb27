"""The `ibimina` command: subcommands listed, demo idempotent and machine-readable, check, refusals."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from core.db.database import Database
from core.members.models import Member
from core.organizations.models import Organization


@pytest.fixture
def cli_env(database_url: str, tmp_path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "IBIMINA_DATA_DIR": str(tmp_path),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }


def test_help_lists_the_subcommands() -> None:
    out = CliRunner().invoke(main, ["--help"]).output
    for name in ("serve", "migrate", "demo", "worker", "beat", "check"):
        assert re.search(rf"^\s+{name}\b", out, re.M), name


def test_demo_json_twice_describes_the_same_data_and_duplicates_nothing(
    cli_env: dict[str, str], database_url: str
) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "--json"], env=cli_env)
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["demo", "--json"], env=cli_env)
    assert second.exit_code == 0, second.output
    a, b = json.loads(first.output), json.loads(second.output)
    assert a == b
    assert [o["slug"] for o in a["organizations"]] == ["kicukiro", "musanze"]
    phones = [m["phone"] for m in a["members"]]
    assert len(phones) == len(set(phones)) >= 10 and all(re.fullmatch(r"\+2507\d{8}", p) for p in phones)
    officers = {g["role"] for m in a["members"] for g in m["groups"]}
    assert {"chair", "treasurer", "secretary", "member"} <= officers
    roles = {s["role"] for s in a["staff"]}
    assert {"platform_admin", "manager", "accountant", "loan_officer", "support_agent", "auditor"} <= roles
    assert all(s["password"] and s["totp_secret"] for s in a["staff"])

    async def count() -> tuple[int, int]:
        db = Database(database_url, app_role="ibimina_app", pool_size=1)  # its own engine on this loop
        try:
            async with db.system() as s:
                orgs = await s.scalar(
                    select(func.count())
                    .select_from(Organization)
                    .where(Organization.slug.in_(["kicukiro", "musanze"]))
                )
                members = await s.scalar(
                    select(func.count()).select_from(Member).where(Member.phone.in_(phones))
                )
                return int(orgs or 0), int(members or 0)
        finally:
            await db.dispose()

    assert asyncio.run(count()) == (2, len(phones))


def test_check_json_reports_settings_redacted_and_connectivity(cli_env: dict[str, str]) -> None:
    env = dict(cli_env, SECRET_KEY="a-very-secret-value-that-must-not-print")
    result = CliRunner().invoke(main, ["check", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["checks"]["database"] == "ok"
    assert report["settings"]["SECRET_KEY"] == "<set>"
    assert "a-very-secret-value" not in result.output
    assert report["database_url_in_use"].startswith("postgresql+asyncpg://")


def test_serve_refuses_production_with_default_secrets(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["serve"], env=dict(cli_env, IBIMINA_ENV="production"))
    assert result.exit_code != 0
    assert "SECRET_KEY" in result.output and "OTP_PEPPER" in result.output


def test_worker_without_a_broker_says_so(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["worker"], env=cli_env)
    assert result.exit_code != 0 and "CELERY_BROKER_URL" in result.output
