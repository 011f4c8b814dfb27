"""loans: products, guarantors, instalments; applications carry the loan through disbursement to closing

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-24 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.rls import enable_tenant_rls

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002"

_TZ = sa.DateTime(timezone=True)


def _tenant(table: str) -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
    ]


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"], ["organizations.id"], name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "loan_products",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("interest_method", sa.String(16), nullable=False),
        sa.Column("annual_rate_bp", sa.BigInteger(), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("min_term_months", sa.SmallInteger(), nullable=False),
        sa.Column("max_term_months", sa.SmallInteger(), nullable=False),
        sa.Column("min_amount", sa.BigInteger(), nullable=False),
        sa.Column("max_amount", sa.BigInteger(), nullable=False),
        sa.Column("savings_multiplier", sa.SmallInteger(), nullable=False),
        sa.Column("min_membership_months", sa.SmallInteger(), nullable=False),
        sa.Column("upfront_fee_bp", sa.BigInteger(), nullable=False),
        sa.Column("penalty_kind", sa.String(8), nullable=False),
        sa.Column("penalty_value", sa.BigInteger(), nullable=False),
        sa.Column("penalty_grace_days", sa.SmallInteger(), nullable=False),
        sa.Column("guarantors_required", sa.SmallInteger(), nullable=False),
        sa.Column("allocation_order", sa.String(40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_tenant("loan_products"),
        sa.Column("created_at", _TZ, server_default=sa.text("now()"), nullable=False),
        _org_fk("loan_products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_products")),
        sa.UniqueConstraint("organization_id", "code", name=op.f("uq_loan_products_organization_id_code")),
    )
    op.create_index(op.f("ix_loan_products_organization_id"), "loan_products", ["organization_id"])
    enable_tenant_rls(op, "loan_products")

    for name, type_ in (
        ("product_id", sa.BigInteger()), ("recorded_by_staff_id", sa.BigInteger()),
        ("edited_by_staff_id", sa.BigInteger()), ("decided_by_staff_id", sa.BigInteger()),
        ("disbursed_at", _TZ), ("disbursed_on", sa.Date()), ("disbursement_method", sa.String(16)),
        ("disbursement_entry_id", sa.BigInteger()), ("payment_code", sa.String(32)), ("closed_at", _TZ),
    ):
        op.add_column("loan_applications", sa.Column(name, type_, nullable=True))
    op.add_column("loan_applications", sa.Column("fee_amount", sa.BigInteger(), nullable=False, server_default="0"))
    op.alter_column("loan_applications", "fee_amount", server_default=None)
    op.create_foreign_key(
        op.f("fk_loan_applications_product_id_loan_products"), "loan_applications", "loan_products",
        ["product_id"], ["id"],
    )

    op.create_table(
        "loan_guarantors",
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("guarantor_member_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", _TZ, nullable=True),
        *_tenant("loan_guarantors"),
        sa.Column("created_at", _TZ, server_default=sa.text("now()"), nullable=False),
        _org_fk("loan_guarantors"),
        sa.ForeignKeyConstraint(["loan_id"], ["loan_applications.id"],
                                name=op.f("fk_loan_guarantors_loan_id_loan_applications")),
        sa.ForeignKeyConstraint(["guarantor_member_id"], ["members.id"],
                                name=op.f("fk_loan_guarantors_guarantor_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_guarantors")),
        sa.UniqueConstraint("loan_id", "guarantor_member_id",
                            name=op.f("uq_loan_guarantors_loan_id_guarantor_member_id")),
    )
    op.create_index(op.f("ix_loan_guarantors_organization_id"), "loan_guarantors", ["organization_id"])
    op.create_index(op.f("ix_loan_guarantors_loan_id"), "loan_guarantors", ["loan_id"])
    op.create_index(op.f("ix_loan_guarantors_guarantor_member_id"), "loan_guarantors", ["guarantor_member_id"])
    enable_tenant_rls(op, "loan_guarantors")

    op.create_table(
        "loan_instalments",
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in (
            "principal_due", "interest_due", "penalty_due", "principal_paid", "interest_paid", "penalty_paid")),
        sa.Column("penalties_charged", sa.SmallInteger(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        *_tenant("loan_instalments"),
        _org_fk("loan_instalments"),
        sa.ForeignKeyConstraint(["loan_id"], ["loan_applications.id"],
                                name=op.f("fk_loan_instalments_loan_id_loan_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_instalments")),
        sa.UniqueConstraint("loan_id", "number", name=op.f("uq_loan_instalments_loan_id_number")),
    )
    op.create_index(op.f("ix_loan_instalments_organization_id"), "loan_instalments", ["organization_id"])
    op.create_index(op.f("ix_loan_instalments_loan_id"), "loan_instalments", ["loan_id"])
    enable_tenant_rls(op, "loan_instalments")


def downgrade() -> None:
    op.drop_table("loan_instalments")
    op.drop_table("loan_guarantors")
    op.drop_constraint(op.f("fk_loan_applications_product_id_loan_products"), "loan_applications")
    for name in ("product_id", "recorded_by_staff_id", "edited_by_staff_id", "decided_by_staff_id", "disbursed_at",
                 "disbursed_on", "disbursement_method", "disbursement_entry_id", "payment_code", "closed_at",
                 "fee_amount"):
        op.drop_column("loan_applications", name)
    op.drop_table("loan_products")
