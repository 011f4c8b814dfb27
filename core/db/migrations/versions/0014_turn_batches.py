"""conversation turns in batches: the load and the save for many conversations in one statement each

Under load most of PostgreSQL's CPU per turn goes to starting the statement, not to its rows: executor
start-up for each query of the function, the transaction and its commit, the round trip. The service now
gathers the turns one event-loop tick loads (or saves) and sends them as one call of these functions
(core/db/coalesce.py, core/conversations/turns.py): a tick with one turn is a batch of one. They replace
0012's single-turn functions, doing the same work per turn and keeping the same rules: system scope inside,
the caller's scope handed back; a conversation created on first contact; the transcript lines of a turn
appended in order. A save batch must name each conversation once (the router's conversation lock already
allows one turn per conversation at a time); a batch that does not is refused whole.

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

NEW = (
    ("conversation_turn_load_many(text[], text[], text[], text[])", TURN_LOAD_MANY),
    ("conversation_turn_save_many(jsonb)", TURN_SAVE_MANY),
)
# 0012's single-turn functions, which these replace (downgrade puts them back from 0012's text).
OLD = (
    "conversation_turn_load(text, text, text, text)",
    "conversation_turn_save(bigint, bigint, bigint, text, text, text, jsonb, jsonb, boolean, text, timestamptz, "
    "jsonb)",
)


def upgrade() -> None:
    for _, body in NEW:
        op.execute(body)
    for signature in OLD:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")


def downgrade() -> None:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("m0012", Path(__file__).with_name("0012_hot_path_functions.py"))
    assert spec is not None and spec.loader is not None
    m0012 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0012)
    op.execute(m0012.TURN_LOAD)
    op.execute(m0012.TURN_SAVE)
    for signature, _ in NEW:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
