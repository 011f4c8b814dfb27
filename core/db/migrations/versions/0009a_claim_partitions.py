"""reconciliation throughput: claim partitions on sms_messages; payment_allocations keeps only its money keys

Revision ID: 0009a
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009a"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNPROCESSED = "processed_at IS NULL AND status IN ('pending', 'unparsed', 'duplicate')"


def upgrade() -> None:
    # Claims are spread over 16 partitions by a hash of the reference's digits (one member's code, one
    # partition; core.payments.reconcile.PARTITIONS). A stored column rather than an expression index: under
    # row-level security a qual calling non-leakproof functions is only a filter, `claim_partition = $1` is an
    # index condition.
    op.execute(
        "ALTER TABLE sms_messages ADD COLUMN claim_partition smallint GENERATED ALWAYS AS "
        "(CAST(hashtext(regexp_replace(coalesce(reference, ''), '[^0-9]', '', 'g')) & 15 AS smallint)) STORED"
    )
    op.drop_index("ix_sms_messages_unprocessed", table_name="sms_messages")
    op.create_index(
        "ix_sms_messages_unprocessed",
        "sms_messages",
        ["organization_id", "claim_partition", "id"],
        postgresql_where=sa.text(_UNPROCESSED),
    )
    # payment_allocations is the busiest insert of reconciliation: keep the money links (SMS, ledger entry) as
    # foreign keys, drop those whose check locks a member, group or organization row on every insert.
    for constraint in ("organization_id_organizations", "member_id_members", "group_id_groups"):
        op.drop_constraint(f"fk_payment_allocations_{constraint}", "payment_allocations", type_="foreignkey")
    op.drop_index("ix_payment_allocations_organization_id", table_name="payment_allocations")  # a prefix of another


def downgrade() -> None:
    op.create_index("ix_payment_allocations_organization_id", "payment_allocations", ["organization_id"])
    for column, table in (("organization_id", "organizations"), ("member_id", "members"), ("group_id", "groups")):
        op.create_foreign_key(
            f"fk_payment_allocations_{column}_{table}", "payment_allocations", table, [column], ["id"]
        )
    op.drop_index("ix_sms_messages_unprocessed", table_name="sms_messages")
    op.create_index(
        "ix_sms_messages_unprocessed", "sms_messages", ["organization_id", "id"], postgresql_where=sa.text(_UNPROCESSED)
    )
    op.drop_column("sms_messages", "claim_partition")
