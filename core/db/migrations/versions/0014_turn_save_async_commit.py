"""conversation turn save: asynchronous commit when the save is its own transaction

A turn's save (the journey's state and the transcript lines) was the costliest statement of a USSD hop:
most of it the commit waiting for the WAL flush. Measured with pgbench on the function alone: about 360 µs
of server CPU and 0.59 ms a call with synchronous commit, 250-270 µs and 0.31-0.35 ms without.

What asynchronous commit risks is the last few hundred milliseconds of saved turns if PostgreSQL itself
crashes (never a torn or inconsistent database). A member would see the previous screen of a journey, and
the transcript would miss those lines. No money moves here: ledger entries, loan applications and payment
allocations commit in transactions of their own, synchronously. The setting applies only when the save is
the whole transaction (its statement started it), so a caller's surrounding transaction, which might hold
money, keeps its own durability.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGNATURE = (
    "p_id bigint, p_org bigint, p_member bigint, p_language text, p_dialog text, p_state text, p_slots jsonb,\n"
    "    p_choices jsonb, p_awaiting boolean, p_channel text, p_now timestamptz, p_lines jsonb"
)


def _turn_save(durability: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION conversation_turn_save(
    {_SIGNATURE}
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_org text;
    v_all text;
BEGIN
    v_org := current_setting('app.organization_id', true);
    v_all := current_setting('app.all_organizations', true);
    PERFORM set_config('app.organization_id', '', true),
            set_config('app.all_organizations', 'on', true);
{durability}
    WITH saved AS (
      UPDATE conversations
         SET organization_id = p_org, member_id = p_member, language = coalesce(language, p_language),
             dialog = p_dialog, state = p_state, slots = p_slots, choices = p_choices, awaiting = p_awaiting,
             channel = p_channel, updated_at = p_now, last_inbound_at = p_now
       WHERE id = p_id
      RETURNING id
    )
    INSERT INTO conversation_messages
           (organization_id, conversation_id, member_id, handoff_id, direction, channel, text, choice_id, choices,
            message_id)
    SELECT p_org, saved.id, p_member, (l.j->>'handoff_id')::bigint, l.j->>'direction', l.j->>'channel',
           l.j->>'text', l.j->>'choice_id', l.j->'choices', l.j->>'message_id'
      FROM saved, jsonb_array_elements(p_lines) WITH ORDINALITY AS l(j, n)
     ORDER BY l.n;
    PERFORM set_config('app.organization_id', coalesce(v_org, ''), true),
            set_config('app.all_organizations', coalesce(v_all, 'off'), true);
END
$fn$
"""


# The statement began the transaction exactly when the two timestamps agree: no BEGIN came before it.
ASYNC_WHEN_ALONE = """
    IF statement_timestamp() = transaction_timestamp() THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
"""


def upgrade() -> None:
    op.execute(_turn_save(ASYNC_WHEN_ALONE))


def downgrade() -> None:
    op.execute(_turn_save(""))
