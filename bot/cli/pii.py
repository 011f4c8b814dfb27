"""`ibimina rotate-keys`: re-encrypt personal data under the first key of PII_ENCRYPTION_KEYS."""

from __future__ import annotations

import click

from bot.cli.common import print_json, with_runtime
from core.crypto.pii import PiiCipher, generate_key_spec
from core.crypto.rotation import rotate_pii_keys
from core.settings import Settings


@click.command("rotate-keys")
@click.option(
    "--new-key", "new_key_id", metavar="KID", help="Only print a fresh 'KID:key' entry to put first."
)
@click.option("--organization", "organization_id", type=int, help="Only this organization's rows.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def rotate_keys(
    settings: Settings, new_key_id: str | None, organization_id: int | None, as_json: bool
) -> None:
    """Re-encrypt national IDs and TOTP secrets held under older keys (keep those keys listed until done)."""
    if new_key_id:
        click.echo(generate_key_spec(new_key_id))
        return
    pii = PiiCipher.from_settings(settings)
    report = with_runtime(settings, lambda rt: rotate_pii_keys(rt.db, pii, organization_id=organization_id))
    if as_json:
        print_json(
            {
                "current_key_id": report.current_key_id,
                "national_ids": report.national_ids,
                "totp_secrets": report.totp_secrets,
            }
        )
    else:
        click.echo(
            f"re-encrypted under key {report.current_key_id!r}: "
            f"{report.national_ids} national IDs, {report.totp_secrets} TOTP secrets"
        )
