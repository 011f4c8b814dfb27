"""hot paths in batches: a conversation turn's load and save, and the member overview, for many at once

Under load most of PostgreSQL's CPU per turn went to starting statements, not to their rows: executor
start-up for each query of a function, the transaction and its commit, the round trip. The service now
gathers the calls one event-loop tick makes and sends them as one call of these functions
(core/db/coalesce.py; callers core/conversations/turns.py and core/loans/member_overview.py): a tick with
one call is a batch of one. They replace 0012's single-call functions, doing the same work per call and
keeping the same rules: each function sets the scope it needs and hands the caller's back; a conversation is
created on first contact; a turn's transcript lines are appended in order; a member's overview is read in
that member's SACCO's scope (one query per SACCO in the batch), never across SACCOs. A save batch must name
each conversation once (the router's conversation lock allows one turn per conversation at a time); a batch
that does not is refused whole.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SYSTEM_SCOPE = """
    v_org := current_setting('app.organization_id', true);
    v_all := current_setting('app.all_organizations', true);
    PERFORM set_config('app.organization_id', '', true), set_config('app.all_organizations', 'on', true);
"""
_CALLER_SCOPE = """
    PERFORM set_config('app.organization_id', coalesce(v_org, ''), true),
            set_config('app.all_organizations', coalesce(v_all, 'off'), true);
"""

# One row per requested key, in the order asked (n from 1). Keys not seen before become conversations first,
# in key order (two batches creating the same keys never wait on each other crosswise).
TURN_LOAD_MANY = f"""
CREATE FUNCTION conversation_turn_load_many(
    p_keys text[], p_phones text[], p_channels text[], p_message_ids text[]
) RETURNS TABLE (
    n bigint, id bigint, key text, phone text, organization_id bigint, member_id bigint, language text,
    dialog text, state text, slots jsonb, choices jsonb, awaiting boolean, opted_out_at timestamptz,
    updated_at timestamptz, handoff_open boolean, memberships json, duplicate boolean
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_org text;
    v_all text;
BEGIN
    {_SYSTEM_SCOPE}
    -- the guard spares the common case (every key known) the insert's executor start-up
    IF EXISTS (SELECT 1 FROM unnest(p_keys) AS k(key)
                WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.key = k.key)) THEN
        INSERT INTO conversations (key, phone, channel, slots, choices, awaiting)
        SELECT DISTINCT ON (r.key) r.key, r.phone, r.channel, '{{}}'::jsonb, '[]'::jsonb, false
          FROM unnest(p_keys, p_phones, p_channels) AS r(key, phone, channel)
         WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.key = r.key)
         ORDER BY r.key
        ON CONFLICT (key) DO NOTHING;
    END IF;
    RETURN QUERY
    SELECT r.n, c.id, c.key::text, c.phone::text, c.organization_id, c.member_id, c.language::text,
           c.dialog::text, c.state::text, c.slots, c.choices, c.awaiting, c.opted_out_at, c.updated_at,
           EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.status = 'open'),
           (SELECT json_agg(json_build_object('o', m.organization_id, 'm', m.id, 'f', m.first_name,
                                              'l', m.last_name, 'n', o.name, 'c', o.currency,
                                              'mc', o.momo_merchant_code, 'lang', m.language) ORDER BY m.id)
              FROM members m JOIN organizations o ON o.id = m.organization_id
             WHERE m.phone = c.phone AND m.status NOT IN ('left', 'suspended')),
           r.message_id IS NOT NULL AND EXISTS (
             SELECT 1 FROM conversation_messages cm
              WHERE cm.conversation_id = c.id AND cm.channel = r.channel AND cm.message_id = r.message_id
                AND cm.direction = 'in')
      FROM unnest(p_keys, p_channels, p_message_ids) WITH ORDINALITY AS r(key, channel, message_id, n)
      JOIN conversations c ON c.key = r.key
     ORDER BY r.n;
    {_CALLER_SCOPE}
END
$fn$
"""

# p_turns: a JSON array of turns, each {{id, org, member, language, dialog, state, slots, choices, awaiting,
# channel, at, lines: [{{direction, channel, text, choice_id, choices, message_id, handoff_id}}]}}. Each turn
# writes where its journey stands and appends its lines; lines go in turn order, then line order. The
# detected language is kept only when the conversation has none yet.
TURN_SAVE_MANY = f"""
CREATE FUNCTION conversation_turn_save_many(p_turns jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_org text;
    v_all text;
BEGIN
    {_SYSTEM_SCOPE}
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
            message_id)
    SELECT t.org, t.id, t.member, (l.j->>'handoff_id')::bigint, l.j->>'direction', l.j->>'channel',
           l.j->>'text', l.j->>'choice_id', l.j->'choices', l.j->>'message_id'
      FROM t JOIN saved ON saved.id = t.id, jsonb_array_elements(t.lines) WITH ORDINALITY AS l(j, n)
     ORDER BY t.n, l.n;
    {_CALLER_SCOPE}
END
$fn$
"""

# One row per requested member (n from 1, in no particular order), each read in its own SACCO's tenant scope:
# the members of one SACCO in one query. What each row holds is 0012's member_overview.
OVERVIEW_MANY = f"""
CREATE FUNCTION member_overview_many(
    p_orgs bigint[], p_members bigint[], p_monthly_since timestamptz[], p_biweekly_since timestamptz[],
    p_weekly_since timestamptz[], p_live_statuses text[]
) RETURNS TABLE (
    n bigint, groups json, last_amount bigint, last_at timestamptz, reference text, status text, amount bigint,
    currency text, live_loans boolean
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_org text;
    v_all text;
    v_sacco bigint;
BEGIN
    v_org := current_setting('app.organization_id', true);
    v_all := current_setting('app.all_organizations', true);
    FOR v_sacco IN SELECT DISTINCT u.o FROM unnest(p_orgs) AS u(o) LOOP
        PERFORM set_config('app.organization_id', v_sacco::text, true),
                set_config('app.all_organizations', 'off', true);
        RETURN QUERY
        WITH r AS (
          SELECT * FROM unnest(p_orgs, p_members, p_monthly_since, p_biweekly_since, p_weekly_since)
                   WITH ORDINALITY AS r(org, member, monthly, biweekly, weekly, n)
           WHERE r.org = v_sacco
        )
        SELECT
          r.n,
          (SELECT json_agg(json_build_object(
                    'id', g.id, 'name', g.name, 'amount', g.contribution_amount, 'freq', g.contribution_frequency,
                    'saved', coalesce((SELECT sum(b.balance) FROM ledger_accounts a
                                         JOIN ledger_balances b ON b.account_id = a.id
                                        WHERE a.organization_id = r.org AND a.member_id = r.member
                                          AND a.purpose = 'member_savings' AND a.group_id = g.id), 0),
                    'paid', CASE WHEN g.contribution_amount > 0 THEN coalesce((
                              SELECT sum(-p.amount) FROM ledger_accounts a JOIN ledger_postings p ON p.account_id = a.id
                               WHERE a.organization_id = r.org AND a.member_id = r.member
                                 AND a.purpose = 'member_savings' AND a.group_id = g.id
                                 AND p.organization_id = r.org AND p.amount < 0
                                 AND p.effective_at >= CASE g.contribution_frequency
                                                         WHEN 'monthly' THEN r.monthly
                                                         WHEN 'biweekly' THEN r.biweekly
                                                         ELSE r.weekly END
                            ), 0) ELSE 0 END) ORDER BY g.code)
             FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
            WHERE gm.member_id = r.member AND gm.left_on IS NULL AND g.organization_id = r.org),
          last.amount, last.effective_at,
          app.reference::text, app.status::text, app.amount::bigint, app.currency::text,
          EXISTS (SELECT 1 FROM loan_applications l
                   WHERE l.organization_id = r.org AND l.member_id = r.member AND l.status = ANY(p_live_statuses))
          FROM r
          LEFT JOIN LATERAL (SELECT -p.amount AS amount, p.effective_at FROM ledger_postings p
                              WHERE p.organization_id = r.org
                                AND p.account_id IN (SELECT a.id FROM ledger_accounts a
                                                      WHERE a.organization_id = r.org AND a.member_id = r.member
                                                        AND a.purpose = 'member_savings')
                                AND p.amount < 0
                              ORDER BY p.effective_at DESC, p.id DESC LIMIT 1) last ON true
          LEFT JOIN LATERAL (SELECT l.reference, l.status, l.amount, l.currency FROM loan_applications l
                              WHERE l.organization_id = r.org AND l.member_id = r.member
                              ORDER BY l.id DESC LIMIT 1) app ON true;
    END LOOP;
    {_CALLER_SCOPE}
END
$fn$
"""

NEW = (
    ("conversation_turn_load_many(text[], text[], text[], text[])", TURN_LOAD_MANY),
    ("conversation_turn_save_many(jsonb)", TURN_SAVE_MANY),
    ("member_overview_many(bigint[], bigint[], timestamptz[], timestamptz[], timestamptz[], text[])", OVERVIEW_MANY),
)
# 0012's single-call functions, which these replace (downgrade puts them back from 0012's text).
OLD = (
    "conversation_turn_load(text, text, text, text)",
    "conversation_turn_save(bigint, bigint, bigint, text, text, text, jsonb, jsonb, boolean, text, timestamptz, "
    "jsonb)",
    "member_overview(bigint, bigint, timestamptz, timestamptz, timestamptz, text[])",
)


def upgrade() -> None:
    for _, body in NEW:
        op.execute(body)
    for signature in OLD:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")


def downgrade() -> None:
    from core.db.migrations.snapshots import revision_module

    for _, body in revision_module("0012_hot_path_functions.py").FUNCTIONS:
        op.execute(body)
    for signature, _ in NEW:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
