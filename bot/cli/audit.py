"""`ibimina audit verify`: recompute every organization's hash chain and name each edited or deleted row."""

from __future__ import annotations

import click

from bot.cli.common import print_json, with_runtime
from bot.runtime import Runtime
from core.audit.service import ChainProblem, verify_chain
from core.settings import Settings


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def verify(settings: Settings, as_json: bool) -> None:
    """Verify the audit chain; exit 1 naming each edited or deleted row, 0 with a summary."""

    async def run(rt: Runtime) -> tuple[int, list[ChainProblem]]:
        async with rt.db.system() as session:  # every organization's chain
            return await verify_chain(session)

    checked, problems = with_runtime(settings, run)
    if as_json:
        print_json(
            {
                "rows_checked": checked,
                "ok": not problems,
                "problems": [
                    {
                        "organization_id": p.organization_id,
                        "audit_id": p.audit_id,
                        "seq": p.seq,
                        "problem": p.problem,
                    }
                    for p in problems
                ],
            }
        )
    elif problems:
        for p in problems:
            org = "platform" if p.organization_id is None else f"organization {p.organization_id}"
            click.echo(f"TAMPERED {org} seq {p.seq} (audit_log id {p.audit_id}): {p.problem}")
        click.echo(f"audit chain BROKEN: {len(problems)} problem(s) in {checked} rows")
    else:
        click.echo(f"audit chain intact: {checked} rows verified")
    if problems:
        raise SystemExit(1)
