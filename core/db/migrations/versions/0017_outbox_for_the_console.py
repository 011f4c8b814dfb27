"""the outbox read by organization and by age: the console's Messages page and the operations page

The Messages page lists one organization's messages newest first and counts its last 24 hours by status;
the operations page counts what failed across the platform in the last day. The single-column index on
organization_id becomes (organization_id, id), which serves the same lookups and the page's keyset order;
a BRIN index on created_at (rows arrive in time order) bounds "the last 24 hours" to the newest pages of
the table for a few kilobytes and almost nothing per insert.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_messages_organization_newest", "outbox_messages", ["organization_id", "id"])
    op.drop_index("ix_outbox_messages_organization_id", table_name="outbox_messages")
    op.create_index("ix_outbox_messages_created_brin", "outbox_messages", ["created_at"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_created_brin", table_name="outbox_messages")
    op.create_index("ix_outbox_messages_organization_id", "outbox_messages", ["organization_id"])
    op.drop_index("ix_outbox_messages_organization_newest", table_name="outbox_messages")
