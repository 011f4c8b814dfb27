"""hot path functions: a conversation turn's load and save, and the member overview, one statement each

A USSD hop waits on every round trip, and on a busy server each one also waits for the backend to be
scheduled. These functions let the service do a turn in one statement per step, each in a transaction of its
own (no BEGIN/COMMIT round trips), the way the ledger posts: the function sets the row-level-security scope
its queries need, and puts the caller's back before returning. Callers: core/conversations/turns.py and
core/loans/member_overview.py.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every function starts with the scope it needs and ends with the caller's (is_local: this transaction only).
def _enter_scope(organization: str, all_organizations: str) -> str:
    return f"""
    v_org := current_setting('app.organization_id', true);
    v_all := current_setting('app.all_organizations', true);
    PERFORM set_config('app.organization_id', {organization}, true),
            set_config('app.all_organizations', {all_organizations}, true);
"""


_SYSTEM_SCOPE = _enter_scope("''", "'on'")
_CALLER_SCOPE = """
    PERFORM set_config('app.organization_id', coalesce(v_org, ''), true),
            set_config('app.all_organizations', coalesce(v_all, 'off'), true);
"""

# The conversation for a key (created on first contact, system scope: a conversation belongs to a phone,
# whichever SACCOs it is in), whether a hand-off is open, every active membership of the phone, and whether
# this provider message id was processed before. Not row-locked: the router's conversation lock serialises
# a conversation's turns.
TURN_LOAD = f"""
CREATE FUNCTION conversation_turn_load(p_key text, p_phone text, p_channel text, p_message_id text)
RETURNS TABLE (
    id bigint, key text, phone text, organization_id bigint, member_id bigint, language text, dialog text,
    state text, slots jsonb, choices jsonb, awaiting boolean, opted_out_at timestamptz, updated_at timestamptz,
    handoff_open boolean, memberships json, duplicate boolean
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_org text;
    v_all text;
BEGIN
    {_SYSTEM_SCOPE}
    FOR attempt IN 1..2 LOOP
        RETURN QUERY
        SELECT c.id, c.key::text, c.phone::text, c.organization_id, c.member_id, c.language::text, c.dialog::text,
               c.state::text, c.slots, c.choices, c.awaiting, c.opted_out_at, c.updated_at,
               EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.status = 'open'),
               (SELECT json_agg(json_build_object('o', m.organization_id, 'm', m.id, 'f', m.first_name,
                                                  'l', m.last_name, 'n', o.name, 'c', o.currency,
                                                  'mc', o.momo_merchant_code, 'lang', m.language) ORDER BY m.id)
                  FROM members m JOIN organizations o ON o.id = m.organization_id
                 WHERE m.phone = c.phone AND m.status NOT IN ('left', 'suspended')),
               p_message_id IS NOT NULL AND EXISTS (
                 SELECT 1 FROM conversation_messages cm
                  WHERE cm.conversation_id = c.id AND cm.channel = p_channel AND cm.message_id = p_message_id
                    AND cm.direction = 'in')
          FROM conversations c
         WHERE c.key = p_key;
        EXIT WHEN FOUND;
        INSERT INTO conversations (key, phone, channel, slots, choices, awaiting)
        VALUES (p_key, p_phone, p_channel, '{{}}'::jsonb, '[]'::jsonb, false)
        ON CONFLICT (key) DO NOTHING;
    END LOOP;
    {_CALLER_SCOPE}
END
$fn$
"""

# Where the journey stands and the turn's transcript lines, in order, in one statement. The detected
# language is kept only when the conversation has none yet.
TURN_SAVE = f"""
CREATE FUNCTION conversation_turn_save(
    p_id bigint, p_org bigint, p_member bigint, p_language text, p_dialog text, p_state text, p_slots jsonb,
    p_choices jsonb, p_awaiting boolean, p_channel text, p_now timestamptz, p_lines jsonb
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    v_org text;
    v_all text;
BEGIN
    {_SYSTEM_SCOPE}
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
    {_CALLER_SCOPE}
END
$fn$
"""

# What the balance reply shows, in the member's SACCO only (tenant scope): groups with savings and what came
# in since the contribution period began, the latest payment in, the latest application, a live loan or not.
OVERVIEW = f"""
CREATE FUNCTION member_overview(
    p_org bigint, p_member bigint, p_monthly_since timestamptz, p_biweekly_since timestamptz,
    p_weekly_since timestamptz, p_live_statuses text[]
) RETURNS TABLE (
    groups json, last_amount bigint, last_at timestamptz, reference text, status text, amount bigint,
    currency text, live_loans boolean
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_org text;
    v_all text;
BEGIN
    {_enter_scope("p_org::text", "'off'")}
    RETURN QUERY
    WITH acc AS (
      SELECT a.id, a.group_id FROM ledger_accounts a
       WHERE a.organization_id = p_org AND a.member_id = p_member AND a.purpose = 'member_savings'
    )
    SELECT
      (SELECT json_agg(json_build_object(
                'id', g.id, 'name', g.name, 'amount', g.contribution_amount, 'freq', g.contribution_frequency,
                'saved', coalesce((SELECT sum(b.balance) FROM acc JOIN ledger_balances b ON b.account_id = acc.id
                                    WHERE acc.group_id = g.id), 0),
                'paid', CASE WHEN g.contribution_amount > 0 THEN coalesce((
                          SELECT sum(-p.amount) FROM acc JOIN ledger_postings p ON p.account_id = acc.id
                           WHERE acc.group_id = g.id AND p.organization_id = p_org AND p.amount < 0
                             AND p.effective_at >= CASE g.contribution_frequency
                                                     WHEN 'monthly' THEN p_monthly_since
                                                     WHEN 'biweekly' THEN p_biweekly_since
                                                     ELSE p_weekly_since END
                        ), 0) ELSE 0 END) ORDER BY g.code)
         FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
        WHERE gm.member_id = p_member AND gm.left_on IS NULL AND g.organization_id = p_org),
      last.amount, last.effective_at,
      app.reference::text, app.status::text, app.amount::bigint, app.currency::text,
      EXISTS (SELECT 1 FROM loan_applications l
               WHERE l.organization_id = p_org AND l.member_id = p_member AND l.status = ANY(p_live_statuses))
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT -p.amount AS amount, p.effective_at FROM ledger_postings p
                          WHERE p.organization_id = p_org AND p.account_id IN (SELECT acc.id FROM acc)
                            AND p.amount < 0
                          ORDER BY p.effective_at DESC, p.id DESC LIMIT 1) last ON true
      LEFT JOIN LATERAL (SELECT l.reference, l.status, l.amount, l.currency FROM loan_applications l
                          WHERE l.organization_id = p_org AND l.member_id = p_member
                          ORDER BY l.id DESC LIMIT 1) app ON true;
    {_CALLER_SCOPE}
END
$fn$
"""
FUNCTIONS = (
    ("conversation_turn_load(text, text, text, text)", TURN_LOAD),
    ("conversation_turn_save(bigint, bigint, bigint, text, text, text, jsonb, jsonb, boolean, text, "
     "timestamptz, jsonb)", TURN_SAVE),
    ("member_overview(bigint, bigint, timestamptz, timestamptz, timestamptz, text[])", OVERVIEW),
)


def upgrade() -> None:
    for _, body in FUNCTIONS:
        op.execute(body)


def downgrade() -> None:
    for signature, _ in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
