"""sms ingest: forwarder devices, raw SMS store, replay nonces

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.db.rls import enable_tenant_rls

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _org() -> sa.Column[int]:
    return sa.Column(
        "organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )


def _now() -> sa.Column[datetime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "sms_devices",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        _org(),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True)),
        _now(),
    )
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        _org(),
        sa.Column("device_id", sa.BigInteger(), sa.ForeignKey("sms_devices.id")),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw_hash", sa.String(64), nullable=False),
        sa.Column("parsed", sa.Boolean(), nullable=False),
        sa.Column("parse_error", sa.String(300)),
        sa.Column("provider", sa.String(16)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger()),
        sa.Column("currency", sa.String(3)),
        sa.Column("transaction_id", sa.String(64)),
        sa.Column("counterparty_name", sa.String(200)),
        sa.Column("counterparty_phone", sa.String(20)),
        sa.Column("reference", sa.String(300)),
        sa.Column("occurred_at", sa.DateTime(timezone=True)),
        sa.Column("details", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duplicate_of_id", sa.BigInteger(), sa.ForeignKey("sms_messages.id")),
        sa.Column("processed_at", sa.DateTime(timezone=True)),
        _now(),
        sa.UniqueConstraint("organization_id", "raw_hash", name="uq_sms_messages_organization_id_raw_hash"),
    )
    op.create_index("ix_sms_devices_organization_id", "sms_devices", ["organization_id"])
    op.create_index("ix_sms_messages_organization_id", "sms_messages", ["organization_id"])
    op.create_index(
        "ix_sms_messages_organization_id_provider_transaction_id",
        "sms_messages",
        ["organization_id", "provider", "transaction_id"],
    )
    op.create_index("ix_sms_messages_status_id", "sms_messages", ["status", "id"])
    op.create_table(
        "ingest_nonces",
        sa.Column("device_id", sa.BigInteger(), sa.ForeignKey("sms_devices.id"), primary_key=True),
        sa.Column("signature", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_index("ix_ingest_nonces_seen_at", "ingest_nonces", ["seen_at"])
    for table in ("sms_devices", "sms_messages"):
        enable_tenant_rls(op, table)


def downgrade() -> None:
    op.drop_table("ingest_nonces")
    op.drop_table("sms_messages")
    op.drop_table("sms_devices")
