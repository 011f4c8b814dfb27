"""`ibimina migrate` and `ibimina demo`."""

from __future__ import annotations

import asyncio

import click

from bot.cli.common import print_json, with_runtime
from bot.runtime import resolve_database_url
from core.crypto.pii import PiiCipher
from core.db.migrate import upgrade
from core.demo.seed import seed_demo
from core.settings import Settings


@click.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Apply database migrations (to every head)."""
    url, embedded = resolve_database_url(settings)
    asyncio.run(upgrade(settings.migration_database_url or url))
    click.echo(f"database is up to date ({'embedded' if embedded else 'DATABASE_URL'})")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print what the demo holds as JSON.")
@click.pass_obj
def demo(settings: Settings, as_json: bool) -> None:
    """Load the demo SACCOs (idempotent: running it again creates nothing new)."""
    summary = with_runtime(settings, lambda rt: seed_demo(rt.db, PiiCipher.from_settings(settings)), migrate=True)
    if as_json:
        print_json(summary)
        return
    print_demo_summary(summary)


def print_demo_summary(summary: dict[str, object]) -> None:
    orgs = summary["organizations"]
    members = summary["members"]
    staff = summary["staff"]
    assert isinstance(orgs, list) and isinstance(members, list) and isinstance(staff, list)
    click.echo(f"Demo: {len(orgs)} organizations, {len(members)} members, {len(staff)} staff logins")
    for o in orgs:
        click.echo(f"  {o['slug']}: {o['name']} (groups: {', '.join(g['code'] for g in o['groups'])})")
    click.echo("Member phones (talk to the bot as them):")
    for m in members[:6]:
        click.echo(f"  {m['phone']}  {m['name']} ({m['organization']}, {m['language']})")
    click.echo("Staff logins (password / TOTP secret):")
    for s in staff:
        click.echo(f"  {s['email']:<32} {s['password']:<24} {s['role']:<14} TOTP {s['totp_secret']}")
