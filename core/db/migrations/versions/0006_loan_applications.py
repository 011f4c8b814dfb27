"""loan applications (minimal): amount, term, purpose, status and a reference per application

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.rls import enable_tenant_rls

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loan_applications",
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("term_months", sa.SmallInteger(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("savings_at_application", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_loan_applications_organization_id_organizations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_loan_applications_member_id_members")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_loan_applications_group_id_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_loan_applications_reference")),
    )
    op.create_index(op.f("ix_loan_applications_organization_id"), "loan_applications", ["organization_id"])
    op.create_index(op.f("ix_loan_applications_organization_id_member_id"), "loan_applications", ["organization_id", "member_id"])
    op.create_index(op.f("ix_loan_applications_organization_id_status"), "loan_applications", ["organization_id", "status"])
    enable_tenant_rls(op, "loan_applications")


def downgrade() -> None:
    op.drop_table("loan_applications")
