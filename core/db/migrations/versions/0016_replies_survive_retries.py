"""replies survive a retried inbound: outbox rows name the message they answer; the transcript keeps flags

A chat message's turn is saved (state and transcript) in one statement and its replies are queued in the
outbox in the next. A process that died between the two left a saved turn and no reply; the webhook inbox
retried the message, the turn refused it as already processed, and the member heard nothing. The retry now
queues the replies the saved turn recorded. So that no reply is queued twice (the first attempt may have
died after queuing them), an outbox row names the inbound message it answers, unique with its position.
So that a replayed reply is the reply that was meant (a link, a share-your-phone keyboard), a transcript
line keeps the reply's flags as the outbox holds them; never a one-time code, only that there was one.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAVE_SIGNATURE = "conversation_turn_save_many(jsonb)"

# 0014's function with each line's payload (null when the line has none).
TURN_SAVE_MANY = """
CREATE FUNCTION conversation_turn_save_many(p_turns jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_org text;
    v_all text;
BEGIN
    v_org := current_setting('app.organization_id', true);
    v_all := current_setting('app.all_organizations', true);
    PERFORM set_config('app.organization_id', '', true), set_config('app.all_organizations', 'on', true);
    IF (SELECT count(DISTINCT t->>'id') <> count(*) FROM jsonb_array_elements(p_turns) AS a(t)) THEN
        RAISE EXCEPTION 'a batch of turns names a conversation twice' USING ERRCODE = 'IB010';
    END IF;
    WITH t AS (
      SELECT (a.j->>'id')::bigint AS id, (a.j->>'org')::bigint AS org, (a.j->>'member')::bigint AS member,
             a.j->>'language' AS language, a.j->>'dialog' AS dialog, a.j->>'state' AS state,
             a.j->'slots' AS slots, a.j->'choices' AS choices, (a.j->>'awaiting')::boolean AS awaiting,
             a.j->>'channel' AS channel, (a.j->>'at')::timestamptz AS at, a.j->'lines' AS lines, a.n
        FROM jsonb_array_elements(p_turns) WITH ORDINALITY AS a(j, n)
    ), saved AS (
      UPDATE conversations c
         SET organization_id = t.org, member_id = t.member, language = coalesce(c.language, t.language),
             dialog = t.dialog, state = t.state, slots = t.slots, choices = t.choices, awaiting = t.awaiting,
             channel = t.channel, updated_at = t.at, last_inbound_at = t.at
        FROM t
       WHERE c.id = t.id
      RETURNING c.id
    )
    INSERT INTO conversation_messages
           (organization_id, conversation_id, member_id, handoff_id, direction, channel, text, choice_id, choices,
            payload, message_id)
    SELECT t.org, t.id, t.member, (l.j->>'handoff_id')::bigint, l.j->>'direction', l.j->>'channel',
           l.j->>'text', l.j->>'choice_id', l.j->'choices', nullif(l.j->'payload', 'null'::jsonb),
           l.j->>'message_id'
      FROM t JOIN saved ON saved.id = t.id, jsonb_array_elements(t.lines) WITH ORDINALITY AS l(j, n)
     ORDER BY t.n, l.n;
    PERFORM set_config('app.organization_id', coalesce(v_org, ''), true),
            set_config('app.all_organizations', coalesce(v_all, 'off'), true);
END
$fn$
"""


def upgrade() -> None:
    op.add_column("conversation_messages", sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("outbox_messages", sa.Column("reply_to", sa.String(length=200), nullable=True))
    op.create_index(
        "uq_outbox_messages_reply",
        "outbox_messages",
        ["reply_to", "position"],
        unique=True,
        postgresql_where=sa.text("reply_to IS NOT NULL"),
    )
    op.execute(f"DROP FUNCTION {SAVE_SIGNATURE}")
    op.execute(TURN_SAVE_MANY)


def downgrade() -> None:
    from core.db.migrations.snapshots import revision_module

    op.execute(f"DROP FUNCTION {SAVE_SIGNATURE}")
    op.execute(revision_module("0014_hot_path_batches.py").TURN_SAVE_MANY)
    op.drop_index("uq_outbox_messages_reply", table_name="outbox_messages")
    op.drop_column("outbox_messages", "reply_to")
    op.drop_column("conversation_messages", "payload")
