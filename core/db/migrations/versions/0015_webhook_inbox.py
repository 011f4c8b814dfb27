"""webhook inbox: a chat webhook is stored before it is acknowledged

WhatsApp, Telegram and Twilio stop redelivering once we answer 200, so a message acknowledged and then held
only in the process's memory was lost when that process died (a crash, an OOM kill, a deploy past its grace).
The webhook now stores the verified payload in webhook_inbox and answers once that row is committed; the
row is marked done when the message has been worked. Rows whose claim lapsed (their process died) or that
were never claimed (the process was at capacity) are claimed again by any process, oldest first.

The two hot statements (store at the acknowledgement, done after the work) are functions, so the service can
send all the calls of an event-loop tick as one call (core/db/coalesce.py) on a bare connection; each sets the
system scope for itself. A system table: row-level security shows it only in the system scope.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYSTEM_ONLY = "current_setting('app.all_organizations', true) = 'on'"

# p_items: a JSON array of {provider, payload, lease_seconds}; a null lease stores the row unclaimed. One id
# per item, in the order given (n from 1).
STORE_MANY = """
CREATE FUNCTION webhook_inbox_store_many(p_items jsonb) RETURNS TABLE (n bigint, id bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_all text := current_setting('app.all_organizations', true);
BEGIN
    PERFORM set_config('app.all_organizations', 'on', true);
    RETURN QUERY
    WITH stored AS (
      INSERT INTO webhook_inbox (provider, payload, claimed_until, attempts)
      SELECT i.j->>'provider', i.j->'payload',
             now() + make_interval(secs => (i.j->>'lease_seconds')::double precision),
             CASE WHEN i.j->>'lease_seconds' IS NULL THEN 0 ELSE 1 END
        FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(j, n)
       ORDER BY i.n
      RETURNING webhook_inbox.id
    )
    SELECT row_number() OVER (ORDER BY stored.id), stored.id FROM stored;
    PERFORM set_config('app.all_organizations', coalesce(v_all, 'off'), true);
END
$fn$
"""

DONE_MANY = """
CREATE FUNCTION webhook_inbox_done_many(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_all text := current_setting('app.all_organizations', true);
BEGIN
    PERFORM set_config('app.all_organizations', 'on', true);
    UPDATE webhook_inbox SET done_at = now(), claimed_until = NULL, error = NULL
     WHERE id = ANY(p_ids) AND done_at IS NULL;
    PERFORM set_config('app.all_organizations', coalesce(v_all, 'off'), true);
END
$fn$
"""


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
    )
    # what is still to be worked, oldest first: the claim's scan and the backlog count
    op.create_index(
        "ix_webhook_inbox_open",
        "webhook_inbox",
        ["id"],
        postgresql_where=sa.text("done_at IS NULL AND failed_at IS NULL"),
    )
    op.create_index(op.f("ix_webhook_inbox_received_at"), "webhook_inbox", ["received_at"])
    op.execute("ALTER TABLE webhook_inbox ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE webhook_inbox FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON webhook_inbox USING ({SYSTEM_ONLY}) WITH CHECK ({SYSTEM_ONLY})")
    op.execute(STORE_MANY)
    op.execute(DONE_MANY)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS webhook_inbox_done_many(bigint[])")
    op.execute("DROP FUNCTION IF EXISTS webhook_inbox_store_many(jsonb)")
    op.drop_table("webhook_inbox")
