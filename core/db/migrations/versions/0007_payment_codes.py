"""payment codes: one per member per group (and per loan), unique across organizations

Revision ID: 0007
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.rls import enable_tenant_rls

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_codes",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column(
            "organization_id",
            sa.BigInteger(),
            sa.ForeignKey("organizations.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("member_id", sa.BigInteger(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("group_id", sa.BigInteger(), sa.ForeignKey("groups.id"), nullable=True),
        sa.Column("loan_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.UniqueConstraint("code", name="uq_payment_codes_code"),
    )
    op.create_index("ix_payment_codes_organization_id", "payment_codes", ["organization_id"])
    op.create_index("ix_payment_codes_member_id", "payment_codes", ["member_id"])
    op.create_index("ix_payment_codes_loan_id", "payment_codes", ["loan_id"])
    op.create_index(
        "ix_payment_codes_member_id_group_id",
        "payment_codes",
        ["member_id", "group_id"],
        unique=True,
        postgresql_where=sa.text("purpose = 'contribution' AND status = 'active'"),
    )
    enable_tenant_rls(op, "payment_codes")


def downgrade() -> None:
    op.drop_table("payment_codes")
