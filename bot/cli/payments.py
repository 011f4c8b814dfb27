"""`ibimina device add|list|revoke` (SMS forwarders), `ibimina import-sms FILE` (phone exports), `ibimina reconcile`."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from sqlalchemy import select

from bot.cli.common import print_json, with_runtime
from bot.runtime import Runtime
from core.audit.service import Actor
from core.errors import DomainError
from core.organizations.models import Organization
from core.organizations.service import find_organization
from core.payments.devices import list_devices, register_device, revoke_device
from core.payments.importer import import_file
from core.payments.reconcile import reconcile_backlog, reconcile_messages
from core.settings import Settings

CLI_ACTOR = Actor.system("cli")


async def _organization(rt: Runtime, org: str | None) -> Organization:
    async with rt.db.system() as s:
        if org:
            found = await find_organization(s, org)
            if found is None:
                raise click.ClickException(f"no organization {org!r}")
            return found
        orgs: list[Organization] = list(await s.scalars(select(Organization).order_by(Organization.id).limit(2)))
    if len(orgs) != 1:
        raise click.ClickException("several organizations exist: name one with --org SLUG")
    return orgs[0]


@click.group()
def device() -> None:
    """SMS forwarder devices (the Android phones that receive the SACCO's MoMo confirmations)."""


@device.command("add")
@click.argument("name")
@click.option("--org", help="Organization slug or id (needed when there are several).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def device_add(settings: Settings, name: str, org: str | None, as_json: bool) -> None:
    """Register a forwarder and print its id and secret (shown once)."""

    async def run(rt: Runtime) -> dict[str, object]:
        organization = await _organization(rt, org)
        async with rt.db.tenant(organization.id) as s:
            dev = await register_device(
                s,
                organization_id=organization.id,
                name=name,
                secret_key=settings.secret_key.get_secret_value(),
                actor=CLI_ACTOR,
            )
        return {
            "id": dev.id,
            "name": dev.name,
            "organization": organization.slug,
            "secret": dev.secret,
            "endpoint": settings.public_base_url.rstrip("/") + "/ingest/sms",
        }

    info = with_runtime(settings, run)
    if as_json:
        click.echo(json.dumps(info))
        return
    click.echo(f"device {info['id']} ({info['name']}) for {info['organization']}")
    click.echo(f"secret: {info['secret']}   (shown once: put it in the forwarder app now)")
    click.echo(f"endpoint: {info['endpoint']}")


@device.command("list")
@click.pass_obj
def device_list(settings: Settings) -> None:
    """Every forwarder with its status and when it was last heard from."""

    async def run(rt: Runtime) -> list[dict[str, object]]:
        async with rt.db.system() as s:
            return [
                {
                    "id": d.public_id,
                    "name": d.name,
                    "organization_id": d.organization_id,
                    "status": d.status,
                    "last_seen_at": d.last_seen_at,
                }
                for d in await list_devices(s)
            ]

    print_json(with_runtime(settings, run))


@device.command("revoke")
@click.argument("device_id")
@click.pass_obj
def device_revoke(settings: Settings, device_id: str) -> None:
    """Stop accepting SMS from a forwarder (a lost or replaced phone)."""

    async def run(rt: Runtime) -> None:
        async with rt.db.system() as s:
            await revoke_device(s, public_id=device_id, actor=CLI_ACTOR)

    try:
        with_runtime(settings, run)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"device {device_id} revoked")


@click.command("import-sms")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", help="Organization slug or id (needed when there are several).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def import_sms(settings: Settings, path: str, org: str | None, as_json: bool) -> None:
    """Import an 'SMS Backup & Restore' XML export or a CSV (sender/address, body, date/received_at)."""

    async def run(rt: Runtime) -> dict[str, int]:
        organization = await _organization(rt, org)
        with click.progressbar(length=0, label="importing", show_pos=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            async def reconcile(organization_id: int, sms_ids: list[int]) -> dict[str, int]:
                return (await reconcile_messages(rt.db, organization_id, sms_ids)).as_dict()

            summary = await import_file(rt.db, organization.id, path, progress=progress, reconcile=reconcile)
        return summary.as_dict()

    summary = with_runtime(settings, run)
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in summary.items()))


@click.command("reconcile")
@click.option("--org", help="Organization slug or id; without it, every organization's unprocessed SMS.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 2000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def reconcile(settings: Settings, org: str | None, batch_size: int, as_json: bool) -> None:
    """Reconcile unprocessed SMS now: allocate payments, queue the rest in the exception queue."""

    async def run(rt: Runtime) -> dict[str, int]:
        if org:
            organization = await _organization(rt, org)
            outcome = await reconcile_messages(rt.db, organization.id, batch_size=batch_size)
        else:
            outcome = await reconcile_backlog(rt.db, older_than=timedelta(0), batch_size=batch_size)
        return outcome.as_dict()

    counts = with_runtime(settings, run)
    if as_json:
        click.echo(json.dumps(counts))
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
