"""console jobs: member imports and exports kept in PostgreSQL, run by the job dispatcher

The console ran its long jobs in the web process: an import's progress lived in that process's memory and an
export's file on its disk, so a second process (or a restart) lost them, and Celery could not run them. A job
is now a row: any process shows its progress, any worker runs it.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.db.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_jobs",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="queued"),
        sa.Column("staff_user_id", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("done", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("errors", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("input", sa.Text(), nullable=True),
        sa.Column("output", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token", name="uq_console_jobs_token"),
    )
    op.create_index("ix_console_jobs_organization_id", "console_jobs", ["organization_id"])
    enable_tenant_rls(op, "console_jobs")


def downgrade() -> None:
    disable_tenant_rls(op, "console_jobs")
    op.drop_table("console_jobs")
