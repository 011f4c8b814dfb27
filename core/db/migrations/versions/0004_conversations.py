"""conversations: state per phone, transcript, hand-offs, join requests, member opt-out

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.db.rls import enable_tenant_rls

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("conversations", "handoffs", "conversation_messages", "join_requests")


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False)


def _now(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.add_column("members", sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "conversations",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("dialog", sa.String(length=48), nullable=True),
        sa.Column("state", sa.String(length=48), nullable=True),
        sa.Column("slots", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("choices", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("awaiting", sa.Boolean(), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        _now("updated_at"),
        _id(),
        _now("created_at"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_conversations_organization_id_organizations")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_conversations_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("key", name=op.f("uq_conversations_key")),
    )
    op.create_index(op.f("ix_conversations_phone"), "conversations", ["phone"])
    op.create_index(op.f("ix_conversations_organization_id"), "conversations", ["organization_id"])

    op.create_table(
        "handoffs",
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        _now("opened_at"),
        sa.Column("last_member_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("assigned_staff_id", sa.BigInteger(), nullable=True),
        _id(),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_handoffs_organization_id_organizations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], name=op.f("fk_handoffs_conversation_id_conversations")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_handoffs_member_id_members")),
        sa.ForeignKeyConstraint(["closed_by_staff_id"], ["staff_users.id"], name=op.f("fk_handoffs_closed_by_staff_id_staff_users")),
        sa.ForeignKeyConstraint(["assigned_staff_id"], ["staff_users.id"], name=op.f("fk_handoffs_assigned_staff_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index("uq_handoffs_open_conversation", "handoffs", ["conversation_id"], unique=True,
                    postgresql_where=sa.text("status = 'open'"))
    op.create_index(op.f("ix_handoffs_organization_id_status"), "handoffs", ["organization_id", "status"])

    op.create_table(
        "conversation_messages",
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("handoff_id", sa.BigInteger(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("choice_id", sa.String(length=64), nullable=True),
        sa.Column("choices", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("staff_user_id", sa.BigInteger(), nullable=True),
        _now("created_at"),
        _id(),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_conversation_messages_organization_id_organizations")),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], name=op.f("fk_conversation_messages_conversation_id_conversations")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_conversation_messages_member_id_members")),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name=op.f("fk_conversation_messages_handoff_id_handoffs")),
        sa.ForeignKeyConstraint(["staff_user_id"], ["staff_users.id"], name=op.f("fk_conversation_messages_staff_user_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    op.create_index(op.f("ix_conversation_messages_conversation_id_id"), "conversation_messages", ["conversation_id", "id"])
    op.create_index(op.f("ix_conversation_messages_organization_id"), "conversation_messages", ["organization_id"])
    op.create_index(op.f("ix_conversation_messages_handoff_id"), "conversation_messages", ["handoff_id"])
    op.create_index("uq_conversation_messages_inbound_message", "conversation_messages",
                    ["conversation_id", "channel", "message_id"], unique=True,
                    postgresql_where=sa.text("direction = 'in' AND message_id IS NOT NULL"))

    op.create_table(
        "join_requests",
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("phone", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("group_code", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_staff_id", sa.BigInteger(), nullable=True),
        _id(),
        _now("created_at"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_join_requests_organization_id_organizations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_join_requests_group_id_groups")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_join_requests_member_id_members")),
        sa.ForeignKeyConstraint(["reviewed_by_staff_id"], ["staff_users.id"], name=op.f("fk_join_requests_reviewed_by_staff_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
    )
    op.create_index(op.f("ix_join_requests_organization_id_status"), "join_requests", ["organization_id", "status"])

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in ("join_requests", "conversation_messages", "handoffs", "conversations"):
        op.drop_table(table)
    op.drop_column("members", "opted_out_at")
