"""identity: OTP codes, member token families, staff sessions/backup codes/trusted devices, rate limits,
encrypted national IDs and TOTP secrets

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from core.db.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    "one_time_codes",
    "member_token_families",
    "member_refresh_tokens",
    "staff_sessions",
    "staff_backup_codes",
    "staff_trusted_devices",
)


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True)


def _created() -> sa.Column[Any]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _org(nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(
        "organization_id",
        sa.BigInteger(),
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"),
        nullable=nullable,
    )


def _staff() -> sa.Column[Any]:
    return sa.Column(
        "staff_user_id", sa.BigInteger(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "one_time_codes",
        _id(),
        _org(),
        sa.Column("phone_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
    )
    op.create_index("ix_one_time_codes_organization_id", "one_time_codes", ["organization_id"])
    op.create_index(
        "uq_one_time_codes_live",
        "one_time_codes",
        ["organization_id", "phone_hash", "purpose"],
        unique=True,
        postgresql_where=sa.text("status = 'live'"),
    )

    op.create_table(
        "member_token_families",
        sa.Column("id", sa.String(32), primary_key=True),
        _org(),
        sa.Column(
            "member_id", sa.BigInteger(), sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
        _created(),
    )
    op.create_index("ix_member_token_families_organization_id", "member_token_families", ["organization_id"])
    op.create_index("ix_member_token_families_member_id", "member_token_families", ["member_id"])

    op.create_table(
        "member_refresh_tokens",
        _id(),
        _org(),
        sa.Column(
            "family_id",
            sa.String(32),
            sa.ForeignKey("member_token_families.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.UniqueConstraint("token_hash", name="uq_member_refresh_tokens_token_hash"),
    )
    op.create_index("ix_member_refresh_tokens_organization_id", "member_refresh_tokens", ["organization_id"])
    op.create_index("ix_member_refresh_tokens_family_id", "member_refresh_tokens", ["family_id"])

    op.create_table(
        "staff_sessions",
        _id(),
        sa.Column("organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id"), nullable=True),
        _staff(),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("mfa_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "active_organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id"), nullable=True
        ),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(200), nullable=False),
        _created(),
        sa.UniqueConstraint("token_hash", name="uq_staff_sessions_token_hash"),
    )
    op.create_index("ix_staff_sessions_organization_id", "staff_sessions", ["organization_id"])
    op.create_index("ix_staff_sessions_staff_user_id", "staff_sessions", ["staff_user_id"])

    op.create_table(
        "staff_backup_codes",
        _id(),
        sa.Column("organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id"), nullable=True),
        _staff(),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
    )
    op.create_index("ix_staff_backup_codes_organization_id", "staff_backup_codes", ["organization_id"])
    op.create_index("ix_staff_backup_codes_staff_user_id", "staff_backup_codes", ["staff_user_id"])

    op.create_table(
        "staff_trusted_devices",
        _id(),
        sa.Column("organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id"), nullable=True),
        _staff(),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.UniqueConstraint("token_hash", name="uq_staff_trusted_devices_token_hash"),
    )
    op.create_index("ix_staff_trusted_devices_organization_id", "staff_trusted_devices", ["organization_id"])
    op.create_index("ix_staff_trusted_devices_staff_user_id", "staff_trusted_devices", ["staff_user_id"])

    op.create_table(
        "rate_limit_events",
        _id(),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_rate_limit_events_key_at", "rate_limit_events", ["key", "at"])

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)

    # Personal data at rest: national IDs and TOTP secrets move to AES-GCM columns.
    op.add_column("members", sa.Column("national_id_encrypted", sa.Text(), nullable=True))
    op.add_column("members", sa.Column("national_id_index", sa.String(64), nullable=True))
    op.create_index("ix_members_national_id_index", "members", ["national_id_index"])
    op.add_column("staff_users", sa.Column("totp_secret_encrypted", sa.Text(), nullable=True))
    op.add_column("staff_users", sa.Column("totp_pending_secret_encrypted", sa.Text(), nullable=True))
    op.add_column("staff_users", sa.Column("totp_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("staff_users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    _encrypt_existing_plaintext()
    op.drop_column("members", "national_id")
    op.drop_column("staff_users", "totp_secret")


def _encrypt_existing_plaintext() -> None:
    """Rows written before this revision hold plaintext: encrypt them with the configured keys.

    The one place a migration reads settings: it must encrypt under the keys the service will decrypt with.
    An existing TOTP secret becomes a pending one (the user confirms it with a code at the next sign-in).
    """
    bind = op.get_bind()
    # Row-level security is forced on these tables, for the owner too: see every organization here.
    bind.execute(sa.text("SELECT set_config('app.all_organizations', 'on', true)"))
    members = bind.execute(
        sa.text("SELECT id, organization_id, national_id FROM members WHERE national_id IS NOT NULL")
    ).all()
    staff = bind.execute(
        sa.text("SELECT id, totp_secret FROM staff_users WHERE totp_secret IS NOT NULL")
    ).all()
    if not members and not staff:
        return
    from core.crypto.pii import PiiCipher
    from core.settings import load_settings

    cipher = PiiCipher.from_settings(load_settings())
    for member_id, org_id, national_id in members:
        bind.execute(
            sa.text("UPDATE members SET national_id_encrypted = :c, national_id_index = :i WHERE id = :id"),
            {
                "c": cipher.encrypt(national_id, context=f"members.national_id:{org_id}"),
                "i": cipher.blind_index(national_id, context=f"members.national_id:{org_id}"),
                "id": member_id,
            },
        )
    for user_id, secret in staff:
        bind.execute(
            sa.text("UPDATE staff_users SET totp_pending_secret_encrypted = :c WHERE id = :id"),
            {"c": cipher.encrypt(secret, context=f"staff_users.totp_secret:{user_id}"), "id": user_id},
        )


def downgrade() -> None:
    # Decrypting back to plaintext is deliberately not offered: the columns come back empty.
    op.add_column("staff_users", sa.Column("totp_secret", sa.String(255), nullable=True))
    op.add_column("members", sa.Column("national_id", sa.String(64), nullable=True))
    for column in (
        "totp_last_step",
        "totp_confirmed_at",
        "totp_pending_secret_encrypted",
        "totp_secret_encrypted",
    ):
        op.drop_column("staff_users", column)
    op.drop_index("ix_members_national_id_index", table_name="members")
    op.drop_column("members", "national_id_index")
    op.drop_column("members", "national_id_encrypted")
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    for table in (
        "rate_limit_events",
        "staff_trusted_devices",
        "staff_backup_codes",
        "staff_sessions",
        "member_refresh_tokens",
        "member_token_families",
        "one_time_codes",
    ):
        op.drop_table(table)
