"""messaging: outbox, processed webhooks, channel identities, USSD sessions

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.db.rls import POLICY, enable_tenant_rls

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables without an organization: only the explicit system scope may touch them (they hold phone numbers of
# every SACCO's members, and channels resolve identities before they know the organization).
SYSTEM_TABLES = ("processed_webhooks", "channel_identities", "ussd_sessions")
SYSTEM_ONLY = "current_setting('app.all_organizations', true) = 'on'"


def _now(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("choices", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=True),
        sa.Column("provider_message_ids", postgresql.ARRAY(sa.String(length=128)), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        _now("updated_at"),
        _now("created_at"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_outbox_messages_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_outbox_messages_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(op.f("ix_outbox_messages_organization_id"), "outbox_messages", ["organization_id"])
    op.create_index(op.f("ix_outbox_messages_batch_position"), "outbox_messages", ["batch", "position"])
    op.create_index(
        op.f("ix_outbox_messages_channel_recipient_id"), "outbox_messages", ["channel", "recipient", "id"]
    )
    op.create_index(
        "ix_outbox_messages_undispatched", "outbox_messages", ["id"], postgresql_where=sa.text("status = 'queued'")
    )
    op.create_index(
        "ix_outbox_messages_provider_ids", "outbox_messages", ["provider_message_ids"], postgresql_using="gin"
    )

    op.create_table(
        "processed_webhooks",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        _now("created_at"),
        sa.PrimaryKeyConstraint("provider", "key", name=op.f("pk_processed_webhooks")),
    )
    op.create_index(op.f("ix_processed_webhooks_created_at"), "processed_webhooks", ["created_at"])

    op.create_table(
        "channel_identities",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        _now("updated_at"),
        _now("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_channel_identities_channel_address")),
    )
    op.create_index(op.f("ix_channel_identities_phone"), "channel_identities", ["phone"])

    op.create_table(
        "ussd_sessions",
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("state", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _now("updated_at"),
        sa.Column("hops", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_ussd_sessions")),
    )
    op.create_index(op.f("ix_ussd_sessions_phone"), "ussd_sessions", ["phone"])
    op.create_index(op.f("ix_ussd_sessions_updated_at"), "ussd_sessions", ["updated_at"])

    # Outbox rows of a member carry the organization; rows to unknown numbers (NULL) match no tenant, so the
    # standard predicate already keeps them to the system scope.
    enable_tenant_rls(op, "outbox_messages")
    for table in SYSTEM_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({SYSTEM_ONLY}) WITH CHECK ({SYSTEM_ONLY})")


def downgrade() -> None:
    for table in ("ussd_sessions", "channel_identities", "processed_webhooks", "outbox_messages"):
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.drop_table(table)
