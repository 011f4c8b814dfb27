"""`ibimina check`: the effective configuration (secrets redacted) and whether each dependency answers."""

from __future__ import annotations

import click

from bot.cli.common import print_json, with_runtime
from bot.health import readiness
from bot.runtime import Runtime
from core.settings import Settings, redact_url


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def check(settings: Settings, as_json: bool) -> None:
    """Report configuration and connectivity; exit 1 when something is wrong."""

    async def probe(rt: Runtime) -> tuple[bool, dict[str, object]]:
        return await readiness(rt)

    ready, checks = with_runtime(settings, probe)
    problems = settings.production_problems() if settings.is_production else []
    report = {
        "settings": settings.redacted(),
        "database_url_in_use": redact_url(_url_in_use(settings)),
        "checks": checks,
        "production_problems": problems,
        "ok": ready and not problems,
    }
    if as_json:
        print_json(report)
    else:
        click.echo(f"database: {report['database_url_in_use']}")
        for name, state in checks.items():
            click.echo(f"  {name:<10} {state}")
        for p in problems:
            click.echo(f"  production: {p}")
        click.echo("ok" if report["ok"] else "NOT OK")
    if not report["ok"]:
        raise SystemExit(1)


def _url_in_use(settings: Settings) -> str:
    from bot.runtime import resolve_database_url

    return resolve_database_url(settings)[0]
