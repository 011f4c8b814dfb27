"""`ibimina ledger check`: recompute balances from postings and verify every entry; exit 1 on any problem."""

from __future__ import annotations

from dataclasses import asdict

import click

from bot.cli.common import print_json, with_runtime
from bot.runtime import Runtime
from core.ledger.check import LedgerCheckReport, check_ledger
from core.settings import Settings


@click.group()
def ledger() -> None:
    """The double-entry ledger."""


@ledger.command()
@click.option("--organization", "organization_id", type=int, default=None, help="Check one organization only.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def check(settings: Settings, organization_id: int | None, as_json: bool) -> None:
    """Recompute every balance from postings, re-verify every entry; exit 1 when anything differs."""

    async def run(rt: Runtime) -> LedgerCheckReport:
        async with rt.db.system() as session:
            return await check_ledger(session, organization_id=organization_id)

    report = with_runtime(settings, run)
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "entries": report.entries,
                "postings": report.postings,
                "accounts": report.accounts,
                "problems": [asdict(p) for p in report.problems],
            }
        )
    else:
        for p in report.problems:
            click.echo(f"  [{p.kind}] organization {p.organization_id}, {p.subject}: {p.detail}")
        click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)
