"""ledger: one entry per call, lean (the single-entry twin of ledger_post_entries)

A payment confirmation, a repayment, a fee: most postings are one entry in a transaction of its own. The batch
function (0002) serves them as a batch of one, and pays for its generality: a dozen statements over arrays
per call. This function does the same work for one entry in five statements: no batch bookkeeping, the legs'
shape checked in plpgsql, the replay detected by the insert itself (ON CONFLICT, then a lookup only when it
conflicted), and the entry returned from that insert instead of read back. Same SQLSTATEs (IB001..IB005),
same lock order (sharded accounts by id on a free shard, then single-row accounts by id, then the key), same
result row as a one-entry call of the batch function. Callers: core/ledger/posting.py for single entries.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = (
    "ledger_post_entry(bigint, text, text, text, timestamptz, text, text, text, text, bigint, bigint[], bigint[], "
    "text[])"
)

POST_ONE = r"""
CREATE FUNCTION ledger_post_entry(
    p_org bigint, p_key text, p_kind text, p_digest text, p_effective_at timestamptz, p_actor_type text,
    p_actor_id text, p_memo text, p_metadata text, p_reverses bigint,
    p_account_ids bigint[], p_amounts bigint[], p_currencies text[]
) RETURNS TABLE (
    entry_no int, entry_id bigint, replayed boolean, effective_at timestamptz, created_at timestamptz,
    actor_type text, actor_id text, memo text, metadata text, reverses_entry_id bigint
) LANGUAGE plpgsql SET jit = off SET plan_cache_mode = force_generic_plan AS $fn$
#variable_conflict use_column
DECLARE
    n int := cardinality(p_account_ids);
    v_signs int[];
    v_shards int[];
    v_rows smallint[];     -- per posting: the balance row (shard) it moves
    v_hot bigint[];        -- the sharded accounts, by id
    v_shard smallint;
    v_bad bigint;
    v_short bigint;        -- an account whose floor this entry would cross
    v_available bigint;
    v_wanted bigint;
    v_delta bigint;
    v_sum bigint := 0;
    v_mixed boolean := false;
    e record;
    r record;
    i int;
BEGIN
    -- 1. Shape (the Python side checks it too): two or more non-zero legs, balanced per currency.
    IF p_key IS NULL OR n IS NULL OR n < 2 OR cardinality(p_amounts) IS DISTINCT FROM n
       OR cardinality(p_currencies) IS DISTINCT FROM n THEN
        RAISE EXCEPTION 'malformed entry: it needs a key and two or more postings' USING ERRCODE = 'IB001';
    END IF;
    FOR i IN 1..n LOOP
        IF p_amounts[i] IS NULL OR p_amounts[i] = 0 OR p_account_ids[i] IS NULL THEN v_sum := NULL; EXIT; END IF;
        v_mixed := v_mixed OR p_currencies[i] IS DISTINCT FROM p_currencies[1];
        v_sum := v_sum + p_amounts[i];
    END LOOP;
    IF v_mixed AND v_sum IS NOT NULL THEN  -- several currencies: each must balance on its own
        SELECT CASE WHEN bool_or(x.s <> 0) OR bool_or(x.c IS NULL) THEN 1 ELSE 0 END INTO v_sum
          FROM (SELECT q.c, sum(q.a) AS s FROM unnest(p_amounts, p_currencies) AS q(a, c) GROUP BY q.c) x;
    END IF;
    IF v_sum IS DISTINCT FROM 0 THEN
        RAISE EXCEPTION 'entry % is not a balanced double entry', p_key
            USING ERRCODE = 'IB001', DETAIL = json_build_object('key', p_key)::text;
    END IF;

    -- 2. Every account exists in this organization in this currency.
    SELECT array_agg(a.sign ORDER BY q.i), array_agg(a.shards ORDER BY q.i),
           min(q.account_id) FILTER (WHERE a.sign IS NULL OR a.currency <> q.currency OR a.org <> p_org)
      INTO v_signs, v_shards, v_bad
      FROM unnest(p_account_ids, p_currencies) WITH ORDINALITY AS q(account_id, currency, i)
      LEFT JOIN LATERAL (SELECT CASE x.normal_side WHEN 'debit' THEN 1 ELSE -1 END AS sign, x.shards, x.currency,
                                x.organization_id AS org
                           FROM ledger_accounts x WHERE x.id = q.account_id LIMIT 1) a ON true;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'account % does not exist in this organization in that currency', v_bad
            USING ERRCODE = 'IB002', DETAIL = json_build_object('account_id', v_bad)::text;
    END IF;

    -- 3. Locks in the fixed order: sharded accounts by id (each on a free shard), then the others by id.
    v_rows := array_fill(0::smallint, ARRAY[n]);
    FOR i IN 1..n LOOP
        IF v_shards[i] > 1 AND NOT (p_account_ids[i] = ANY(coalesce(v_hot, '{}'))) THEN
            v_hot := v_hot || p_account_ids[i];
        END IF;
    END LOOP;
    IF cardinality(v_hot) > 1 THEN
        v_hot := ARRAY(SELECT x FROM unnest(v_hot) AS x ORDER BY x);
    END IF;
    FOR i IN 1..coalesce(cardinality(v_hot), 0) LOOP
        SELECT b.shard INTO v_shard FROM ledger_balances b WHERE b.account_id = v_hot[i]
         ORDER BY b.shard LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            SELECT b.shard INTO v_shard FROM ledger_balances b
             WHERE b.account_id = v_hot[i]
               AND b.shard = floor(random() * v_shards[array_position(p_account_ids, v_hot[i])])::smallint
             FOR UPDATE;
        END IF;
        FOR k IN 1..n LOOP
            IF p_account_ids[k] = v_hot[i] THEN v_rows[k] := v_shard; END IF;
        END LOOP;
    END LOOP;
    -- single-row accounts: locked in id order; floors measured on the locked rows
    FOR r IN SELECT b.account_id, b.balance - b.held AS available, b.floor FROM ledger_balances b
              WHERE b.account_id = ANY(p_account_ids) AND b.shard = 0
                AND (v_hot IS NULL OR b.account_id <> ALL(v_hot))
              ORDER BY b.account_id FOR UPDATE LOOP
        IF r.floor IS NOT NULL AND v_short IS NULL THEN
            v_delta := 0;
            FOR i IN 1..n LOOP
                IF p_account_ids[i] = r.account_id THEN v_delta := v_delta + p_amounts[i] * v_signs[i]; END IF;
            END LOOP;
            IF v_delta < 0 AND r.available + v_delta < r.floor THEN
                v_short := r.account_id; v_available := r.available; v_wanted := -v_delta;
            END IF;
        END IF;
    END LOOP;

    -- 4. A reversal: the target exists here and has not been reversed. (A key stored before is a replay or
    --    IB003, whatever it reverses: the batch function gives those precedence too.)
    IF p_reverses IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_entries y
                                               WHERE y.organization_id = p_org AND y.idempotency_key = p_key) THEN
        SELECT t.id AS target, x.id AS reversal INTO r
          FROM (SELECT 1) one
          LEFT JOIN LATERAL (SELECT y.id FROM ledger_entries y WHERE y.id = p_reverses AND y.organization_id = p_org
                              LIMIT 1) t ON true
          LEFT JOIN LATERAL (SELECT y.id FROM ledger_entries y WHERE y.reverses_entry_id = p_reverses LIMIT 1) x ON true;
        IF r.target IS NULL OR r.reversal IS NOT NULL THEN
            RAISE EXCEPTION 'entry % cannot be reversed: %', p_reverses,
                CASE WHEN r.target IS NULL THEN 'no such entry' ELSE 'it was reversed by entry ' || r.reversal END
                USING ERRCODE = 'IB005',
                      DETAIL = json_build_object('entry_id', p_reverses, 'reversal_id', r.reversal)::text;
        END IF;
    END IF;

    -- 5. The entry; a key stored before (or committed meanwhile) makes this a replay when the content matches.
    INSERT INTO ledger_entries AS x (organization_id, idempotency_key, kind, digest, effective_at, actor_type,
                                     actor_id, memo, metadata, reverses_entry_id)
    VALUES (p_org, p_key, p_kind, p_digest, coalesce(p_effective_at, now()), p_actor_type, p_actor_id,
            coalesce(p_memo, ''), coalesce(p_metadata, '{}')::jsonb, p_reverses)
    ON CONFLICT (organization_id, idempotency_key) DO NOTHING
    RETURNING x.id, x.digest, x.effective_at, x.created_at, x.actor_type, x.actor_id, x.memo, x.metadata,
              x.reverses_entry_id INTO e;
    IF NOT FOUND THEN
        SELECT x.id, x.digest, x.effective_at, x.created_at, x.actor_type, x.actor_id, x.memo, x.metadata,
               x.reverses_entry_id INTO e
          FROM ledger_entries x WHERE x.organization_id = p_org AND x.idempotency_key = p_key LIMIT 1;
        IF e.digest <> p_digest THEN
            RAISE EXCEPTION 'idempotency key % was used for entry % with other content', p_key, e.id
                USING ERRCODE = 'IB003', DETAIL = json_build_object('key', p_key, 'entry_id', e.id)::text;
        END IF;
        replayed := true;
    ELSE
        IF v_short IS NOT NULL THEN
            RAISE EXCEPTION 'insufficient funds on account %: % available, % needed', v_short, v_available, v_wanted
                USING ERRCODE = 'IB004', DETAIL = json_build_object('account_id', v_short, 'available', v_available)::text;
        END IF;
        -- 6. Postings, and the balances they move (rows locked in step 3).
        WITH legs AS (
            SELECT q.account_id, q.amount, q.currency, q.amount * q.sign AS delta, q.shard
              FROM unnest(p_account_ids, p_amounts, p_currencies, v_signs, v_rows) AS q(account_id, amount, currency, sign, shard)
        ), posted AS (
            INSERT INTO ledger_postings (organization_id, entry_id, account_id, amount, currency, effective_at)
            SELECT p_org, e.id, l.account_id, l.amount, l.currency, e.effective_at FROM legs l
        )
        UPDATE ledger_balances b SET balance = b.balance + d.delta
          FROM (SELECT l.account_id, l.shard, sum(l.delta) AS delta FROM legs l GROUP BY l.account_id, l.shard) d
         WHERE b.account_id = ANY(p_account_ids) AND b.account_id = d.account_id AND b.shard = d.shard
           AND d.delta <> 0;
        replayed := false;
    END IF;
    entry_no := 1; entry_id := e.id; effective_at := e.effective_at; created_at := e.created_at;
    actor_type := e.actor_type; actor_id := e.actor_id; memo := e.memo; metadata := e.metadata::text;
    reverses_entry_id := e.reverses_entry_id;
    RETURN NEXT;
END
$fn$

"""


def upgrade() -> None:
    op.execute(POST_ONE)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
