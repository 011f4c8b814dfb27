"""reconciliation: payment allocations, the exception queue, per-group amount rules, the unprocessed-SMS index

Revision ID: 0009
Revises: 0008
Depends on: 0002 (ledger entries)
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.db.rls import enable_tenant_rls

revision: str = "0009"
down_revision: str | Sequence[str] | None = ("0008", "0002")  # after the SMS inbox and the ledger
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org() -> sa.Column[int]:
    return sa.Column(
        "organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False
    )


def _ts(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "payment_exceptions",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        _org(),
        sa.Column("sms_message_id", sa.BigInteger(), sa.ForeignKey("sms_messages.id"), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("amount", sa.BigInteger()),
        sa.Column("currency", sa.String(3)),
        sa.Column("group_id", sa.BigInteger(), sa.ForeignKey("groups.id")),
        sa.Column("suggestions", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("confident", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("suspense_entry_id", sa.BigInteger(), sa.ForeignKey("ledger_entries.id")),
        sa.Column("resolution", sa.String(16)),
        sa.Column("resolution_note", sa.Text()),
        sa.Column("resolution_entry_id", sa.BigInteger(), sa.ForeignKey("ledger_entries.id")),
        sa.Column("resolved_member_id", sa.BigInteger(), sa.ForeignKey("members.id")),
        sa.Column("resolved_group_id", sa.BigInteger(), sa.ForeignKey("groups.id")),
        sa.Column("resolved_loan_id", sa.BigInteger()),
        sa.Column("resolved_by", sa.String(80)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.BigInteger(), nullable=False, server_default="0"),
        _ts("updated_at"),
        _ts("created_at"),
        sa.UniqueConstraint("sms_message_id", name="uq_payment_exceptions_sms_message_id"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_payment_exceptions_status"),
        sa.CheckConstraint(
            "(status = 'open') = (resolution IS NULL)", name="ck_payment_exceptions_resolution_when_resolved"
        ),
    )
    op.create_index("ix_payment_exceptions_organization_id", "payment_exceptions", ["organization_id"])
    op.create_index("ix_payment_exceptions_group_id", "payment_exceptions", ["group_id"])
    op.create_index(
        "ix_payment_exceptions_organization_id_status_reason",
        "payment_exceptions",
        ["organization_id", "status", "reason"],
    )
    op.create_index(
        "ix_payment_exceptions_organization_id_status_created_at",
        "payment_exceptions",
        ["organization_id", "status", "created_at"],
    )
    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        _org(),
        sa.Column("sms_message_id", sa.BigInteger(), sa.ForeignKey("sms_messages.id"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("group_id", sa.BigInteger(), sa.ForeignKey("groups.id")),
        sa.Column("loan_id", sa.BigInteger()),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("amount_fit", sa.String(16), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), sa.ForeignKey("ledger_entries.id"), nullable=False),
        sa.Column("exception_id", sa.BigInteger(), sa.ForeignKey("payment_exceptions.id")),
        sa.Column("reversed_at", sa.DateTime(timezone=True)),
        sa.Column("reversal_entry_id", sa.BigInteger(), sa.ForeignKey("ledger_entries.id")),
        _ts("created_at"),
        sa.CheckConstraint("amount > 0", name="ck_payment_allocations_amount_positive"),
    )
    op.create_index("ix_payment_allocations_organization_id", "payment_allocations", ["organization_id"])
    op.create_index(
        "uq_payment_allocations_live_sms",
        "payment_allocations",
        ["sms_message_id"],
        unique=True,
        postgresql_where=sa.text("reversed_at IS NULL"),
    )
    op.create_index(
        "ix_payment_allocations_organization_id_member_id_created_at",
        "payment_allocations",
        ["organization_id", "member_id", "created_at"],
    )
    op.create_table(
        "group_amount_rules",
        sa.Column("group_id", sa.BigInteger(), sa.ForeignKey("groups.id"), primary_key=True),
        _org(),
        sa.Column("overpayment", sa.String(16), nullable=False),
        sa.Column("underpayment", sa.String(16), nullable=False),
        sa.Column("max_multiple", sa.BigInteger()),
        _ts("updated_at"),
        sa.CheckConstraint("overpayment IN ('savings', 'exception')", name="ck_group_amount_rules_overpayment"),
        sa.CheckConstraint("underpayment IN ('partial', 'exception')", name="ck_group_amount_rules_underpayment"),
        sa.CheckConstraint("max_multiple IS NULL OR max_multiple >= 1", name="ck_group_amount_rules_max_multiple"),
    )
    op.create_index("ix_group_amount_rules_organization_id", "group_amount_rules", ["organization_id"])
    # What the reconciler claims: messages not yet processed, in the statuses it handles.
    op.create_index(
        "ix_sms_messages_unprocessed",
        "sms_messages",
        ["organization_id", "id"],
        postgresql_where=sa.text("processed_at IS NULL AND status IN ('pending', 'unparsed', 'duplicate')"),
    )
    for table in ("payment_exceptions", "payment_allocations", "group_amount_rules"):
        enable_tenant_rls(op, table)


def downgrade() -> None:
    op.drop_index("ix_sms_messages_unprocessed", table_name="sms_messages")
    op.drop_table("group_amount_rules")
    op.drop_table("payment_allocations")
    op.drop_table("payment_exceptions")
