"""ledger: chart of accounts, sharded balances, append-only entries and postings, holds, posting function

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.db.rls import enable_tenant_rls, forbid_update_delete
from core.db.roles import append_only_privileges

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The organization-wide accounts every organization gets (core/ledger/chart.py holds the same list).
CHART = (
    ("cash", "Cash", "cash", "asset", "debit"),
    ("clearing:mtn", "MTN MoMo collection account", "clearing", "asset", "debit"),
    ("clearing:airtel", "Airtel Money collection account", "clearing", "asset", "debit"),
    ("suspense", "Suspense: received, not yet allocated", "suspense", "liability", "credit"),
    ("income:interest", "Interest income", "interest_income", "income", "credit"),
    ("income:fees", "Fee income", "fee_income", "income", "credit"),
    ("income:penalties", "Penalty income", "penalty_income", "income", "credit"),
)
SYSTEM_SHARDS = 16

# ledger_post_entries: one call posts a batch of entries (a single entry is a batch of one) in the caller's
# transaction: check the shape, look up every account, lock balance rows in a fixed order, detect replays,
# then insert entries and postings and move balances, and return every entry as stored. Refusals raise with
# our own SQLSTATEs (core/ledger/errors.py maps them to domain errors):
#   IB001 malformed batch (unbalanced, < 2 legs, zero leg, duplicate key)   IB002 unknown account / currency
#   IB003 idempotency key reused with other content                         IB004 insufficient funds
#   IB005 entry already reversed (or reversal target missing)
# Lock order: first the sharded (organization-wide) accounts by id, each on a free shard (SKIP LOCKED, so
# writers seldom wait on the clearing account), then the single-row accounts by id; every call follows it,
# so concurrent calls never deadlock. Refusals found before writing cover every case but two races (a key
# committed meanwhile with other content; a floor crossed through a key replayed meanwhile), which raise
# after writing; the CHECK constraint on ledger_balances is the last wall for floors.
# Planning: row-level security spoils the planner's estimates, so every table access is a primary- or
# unique-key probe (LATERAL ... LIMIT 1 or = ANY(array)) and the rest works on arrays indexed by entry
# number; plans are generic (planned once per session) and JIT is off.
POST_FUNCTION = r"""
CREATE FUNCTION ledger_post_entries(
    p_org bigint, p_keys text[], p_kinds text[], p_digests text[], p_effective_at timestamptz[],
    p_actor_types text[], p_actor_ids text[], p_memos text[], p_metadata text[], p_reverses bigint[],
    p_entry_nos int[], p_account_ids bigint[], p_amounts bigint[], p_currencies text[]
) RETURNS TABLE (
    entry_no int, entry_id bigint, replayed boolean, effective_at timestamptz, created_at timestamptz,
    actor_type text, actor_id text, memo text, metadata text, reverses_entry_id bigint
) LANGUAGE plpgsql SET jit = off SET plan_cache_mode = force_generic_plan AS $fn$
#variable_conflict use_column
DECLARE
    n_entries int := cardinality(p_keys);
    r record;
    v_signs int[];        -- per posting: +1 on a debit-normal account, -1 on a credit-normal one
    v_shards int[];       -- per posting: the account's number of balance rows
    v_hot_ids bigint[] := '{}';
    v_hot_shards smallint[] := '{}';
    v_shard smallint;
    v_found bigint[];     -- per entry: the entry already stored under its key, else NULL
    v_ids bigint[];       -- per entry: the id this call inserts it under, else NULL
    v_key text;
    v_id bigint;
    v_new int;
    v_count int;
    v_lookup bigint[];
BEGIN
    -- 1. Shape (the Python side checks it too; the database does not trust its callers).
    IF n_entries IS NULL OR n_entries = 0 THEN RETURN; END IF;
    IF cardinality(p_entry_nos) IS DISTINCT FROM cardinality(p_account_ids)
       OR cardinality(p_entry_nos) IS DISTINCT FROM cardinality(p_amounts)
       OR cardinality(p_entry_nos) IS DISTINCT FROM cardinality(p_currencies)
       OR (SELECT count(DISTINCT k) FROM unnest(p_keys) AS k) <> n_entries
       OR (SELECT count(DISTINCT q) FROM unnest(p_entry_nos) AS q WHERE q BETWEEN 1 AND n_entries) <> n_entries THEN
        RAISE EXCEPTION 'malformed batch: every entry needs postings and a key of its own' USING ERRCODE = 'IB001';
    END IF;
    SELECT min(x.n) INTO v_id FROM (
        SELECT q.n FROM unnest(p_entry_nos, p_amounts) AS q(n, amount)
         GROUP BY q.n HAVING count(*) < 2 OR bool_or(q.amount = 0) OR q.n NOT BETWEEN 1 AND n_entries
        UNION ALL
        SELECT q.n FROM unnest(p_entry_nos, p_amounts, p_currencies) AS q(n, amount, currency)
         GROUP BY q.n, q.currency HAVING sum(q.amount) <> 0
    ) x;
    IF v_id IS NOT NULL THEN
        RAISE EXCEPTION 'entry % is not a balanced double entry', p_keys[v_id]
            USING ERRCODE = 'IB001', DETAIL = json_build_object('key', p_keys[v_id])::text;
    END IF;

    -- 2. Every account exists in this organization (row-level security hides the others) in this
    --    currency: one primary-key probe per posting, keeping its side and shard count.
    SELECT array_agg(a.sign ORDER BY q.i), array_agg(a.shards ORDER BY q.i),
           min(q.account_id) FILTER (WHERE a.sign IS NULL OR a.currency <> q.currency OR a.org <> p_org)
      INTO v_signs, v_shards, v_id
      FROM unnest(p_account_ids, p_currencies) WITH ORDINALITY AS q(account_id, currency, i)
      LEFT JOIN LATERAL (SELECT CASE x.normal_side WHEN 'debit' THEN 1 ELSE -1 END AS sign, x.shards, x.currency,
                                x.organization_id AS org
                           FROM ledger_accounts x WHERE x.id = q.account_id LIMIT 1) a ON true;
    IF v_id IS NOT NULL THEN
        RAISE EXCEPTION 'account % does not exist in this organization in that currency', v_id
            USING ERRCODE = 'IB002', DETAIL = json_build_object('account_id', v_id)::text;
    END IF;

    -- 3. Locks, in the fixed order: sharded accounts by id (each on a free shard), then the others by id.
    FOR r IN SELECT DISTINCT q.account_id, q.shards FROM unnest(p_account_ids, v_shards) AS q(account_id, shards)
              WHERE q.shards > 1 ORDER BY q.account_id LOOP
        SELECT b.shard INTO v_shard FROM ledger_balances b WHERE b.account_id = r.account_id
         ORDER BY b.shard LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            SELECT b.shard INTO v_shard FROM ledger_balances b
             WHERE b.account_id = r.account_id AND b.shard = floor(random() * r.shards)::smallint FOR UPDATE;
        END IF;
        v_hot_ids := v_hot_ids || r.account_id;
        v_hot_shards := v_hot_shards || v_shard;
    END LOOP;
    PERFORM 1 FROM ledger_balances b
      WHERE b.account_id = ANY(p_account_ids) AND b.account_id <> ALL(v_hot_ids) AND b.shard = 0
      ORDER BY b.account_id FOR UPDATE;

    -- 4. Replays, read after the locks so an identical posting that committed meanwhile is seen.
    SELECT array_agg(e.id ORDER BY k.n), (array_agg(k.key) FILTER (WHERE e.digest <> k.digest))[1],
           (array_agg(e.id) FILTER (WHERE e.digest <> k.digest))[1]
      INTO v_found, v_key, v_id
      FROM unnest(p_keys, p_digests) WITH ORDINALITY AS k(key, digest, n)
      LEFT JOIN LATERAL (SELECT x.id, x.digest FROM ledger_entries x
                          WHERE x.organization_id = p_org AND x.idempotency_key = k.key LIMIT 1) e ON true;
    IF v_key IS NOT NULL THEN
        RAISE EXCEPTION 'idempotency key % was used for entry % with other content', v_key, v_id
            USING ERRCODE = 'IB003', DETAIL = json_build_object('key', v_key, 'entry_id', v_id)::text;
    END IF;
    -- ids drawn now, so a posting names its entry by subscript (no join back on keys)
    SELECT array_agg(CASE WHEN v_found[n] IS NULL THEN nextval('ledger_entries_id_seq') END ORDER BY n)
      INTO v_ids FROM generate_subscripts(p_keys, 1) AS n;
    SELECT count(*) INTO v_new FROM unnest(v_ids) AS i WHERE i IS NOT NULL;

    IF v_new > 0 THEN
        -- 5. Reversals: the target exists here and has not been reversed.
        SELECT v.id, t.id AS target, x.id AS reversal INTO r
          FROM unnest(p_reverses) WITH ORDINALITY AS v(id, n)
          LEFT JOIN LATERAL (SELECT y.id FROM ledger_entries y WHERE y.id = v.id AND y.organization_id = p_org
                              LIMIT 1) t ON true
          LEFT JOIN LATERAL (SELECT y.id FROM ledger_entries y WHERE y.reverses_entry_id = v.id LIMIT 1) x ON true
         WHERE v.id IS NOT NULL AND v_ids[v.n] IS NOT NULL AND (t.id IS NULL OR x.id IS NOT NULL) LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'entry % cannot be reversed: %', r.id,
                CASE WHEN r.target IS NULL THEN 'no such entry' ELSE 'it was reversed by entry ' || r.reversal END
                USING ERRCODE = 'IB005', DETAIL = json_build_object('entry_id', r.id, 'reversal_id', r.reversal)::text;
        END IF;

        -- 6. Floors: no account with a floor may end below it (balance - held, normal side positive).
        SELECT d.account_id, b.balance - b.held AS available, -d.delta AS wanted INTO r
          FROM (SELECT q.account_id, sum(q.amount * q.sign) AS delta
                  FROM unnest(p_entry_nos, p_account_ids, p_amounts, v_signs, v_shards)
                       AS q(n, account_id, amount, sign, shards)
                 WHERE v_ids[q.n] IS NOT NULL AND q.shards = 1
                 GROUP BY q.account_id HAVING sum(q.amount * q.sign) < 0) d
          CROSS JOIN LATERAL (SELECT y.balance, y.held, y.floor FROM ledger_balances y
                               WHERE y.account_id = d.account_id AND y.shard = 0 LIMIT 1) b
         WHERE b.floor IS NOT NULL AND b.balance - b.held + d.delta < b.floor LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'insufficient funds on account %: % available, % needed', r.account_id, r.available, r.wanted
                USING ERRCODE = 'IB004',
                      DETAIL = json_build_object('account_id', r.account_id, 'available', r.available)::text;
        END IF;

        -- 7. Entries. A key that another transaction inserts meanwhile makes ON CONFLICT skip ours.
        WITH ins AS (
            INSERT INTO ledger_entries AS e (id, organization_id, idempotency_key, kind, digest, effective_at,
                                             actor_type, actor_id, memo, metadata, reverses_entry_id)
            SELECT v_ids[k.n], p_org, k.key, k.kind, k.digest, coalesce(k.eff, now()), k.actor_type, k.actor_id,
                   coalesce(k.memo, ''), coalesce(k.meta, '{}')::jsonb, k.reverses
              FROM unnest(p_keys, p_kinds, p_digests, p_effective_at, p_actor_types, p_actor_ids, p_memos,
                          p_metadata, p_reverses)
                   WITH ORDINALITY AS k(key, kind, digest, eff, actor_type, actor_id, memo, meta, reverses, n)
             WHERE v_ids[k.n] IS NOT NULL
            ON CONFLICT (organization_id, idempotency_key) DO NOTHING
            RETURNING e.id
        )
        SELECT count(*) INTO v_count FROM ins;
        IF v_count < v_new THEN  -- those keys are replays when their content matches
            SELECT array_agg(CASE WHEN e.id = v_ids[k.n] THEN e.id END ORDER BY k.n),
                   array_agg(CASE WHEN e.id = v_ids[k.n] THEN NULL ELSE e.id END ORDER BY k.n),
                   (array_agg(k.key) FILTER (WHERE e.digest <> k.digest))[1],
                   (array_agg(e.id) FILTER (WHERE e.digest <> k.digest))[1]
              INTO v_ids, v_found, v_key, v_id
              FROM unnest(p_keys, p_digests) WITH ORDINALITY AS k(key, digest, n)
              CROSS JOIN LATERAL (SELECT x.id, x.digest FROM ledger_entries x
                                   WHERE x.organization_id = p_org AND x.idempotency_key = k.key LIMIT 1) e;
            IF v_key IS NOT NULL THEN
                RAISE EXCEPTION 'idempotency key % was used for entry % with other content', v_key, v_id
                    USING ERRCODE = 'IB003', DETAIL = json_build_object('key', v_key, 'entry_id', v_id)::text;
            END IF;
        END IF;

        -- 8. Postings, and the balances they move (rows locked in step 3).
        WITH legs AS (
            SELECT v_ids[q.n] AS entry_id, coalesce(p_effective_at[q.n], now()) AS eff, q.account_id, q.amount,
                   q.currency, q.amount * q.sign AS delta,
                   CASE WHEN q.shards > 1 THEN v_hot_shards[array_position(v_hot_ids, q.account_id)] ELSE 0 END AS shard
              FROM unnest(p_entry_nos, p_account_ids, p_amounts, p_currencies, v_signs, v_shards)
                   AS q(n, account_id, amount, currency, sign, shards)
             WHERE v_ids[q.n] IS NOT NULL
        ), posted AS (
            INSERT INTO ledger_postings (organization_id, entry_id, account_id, amount, currency, effective_at)
            SELECT p_org, l.entry_id, l.account_id, l.amount, l.currency, l.eff FROM legs l
        )
        UPDATE ledger_balances b SET balance = b.balance + d.delta
          FROM (SELECT l.account_id, l.shard, sum(l.delta) AS delta FROM legs l GROUP BY l.account_id, l.shard) d
         WHERE b.account_id = ANY(p_account_ids) AND b.account_id = d.account_id AND b.shard = d.shard
           AND d.delta <> 0;
    END IF;

    -- 9. Every entry as stored, in the order given. (The ids go through an array so the lookup is a plain
    --    column: under row-level security a qual with an array subscript in it could not use the index.)
    v_lookup := ARRAY(SELECT coalesce(v_ids[n], v_found[n]) FROM generate_subscripts(p_keys, 1) AS n ORDER BY n);
    RETURN QUERY
    SELECT k.n::int, e.id, v_ids[k.n] IS NULL, e.effective_at, e.created_at,
           e.actor_type::text, e.actor_id::text, e.memo, e.metadata::text, e.reverses_entry_id
      FROM unnest(v_lookup) WITH ORDINALITY AS k(id, n)
      CROSS JOIN LATERAL (SELECT x.* FROM ledger_entries x WHERE x.id = k.id LIMIT 1) e
     ORDER BY k.n;
END
$fn$
"""


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("normal_side", sa.String(length=6), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("loan_id", sa.BigInteger(), nullable=True),
        sa.Column("shards", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("normal_side IN ('debit', 'credit')", name=op.f("ck_ledger_accounts_normal_side")),
        sa.CheckConstraint("shards BETWEEN 1 AND 64", name=op.f("ck_ledger_accounts_shards")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="RESTRICT",
                                name=op.f("fk_ledger_accounts_organization_id_organizations")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ledger_accounts_member_id_members")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_ledger_accounts_group_id_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("organization_id", "code", name=op.f("uq_ledger_accounts_organization_id_code")),
    )
    op.create_index(op.f("ix_ledger_accounts_organization_id"), "ledger_accounts", ["organization_id"])
    op.create_index(op.f("ix_ledger_accounts_member_id"), "ledger_accounts", ["member_id"])
    op.create_index(op.f("ix_ledger_accounts_group_id"), "ledger_accounts", ["group_id"])
    op.create_index(op.f("ix_ledger_accounts_loan_id"), "ledger_accounts", ["loan_id"])

    op.create_table(
        "ledger_balances",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.Column("floor", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("held >= 0", name=op.f("ck_ledger_balances_held_not_negative")),
        sa.CheckConstraint("floor IS NULL OR balance - held >= floor",
                           name=op.f("ck_ledger_balances_available_above_floor")),
        sa.CheckConstraint("floor IS NULL OR shard = 0", name=op.f("ck_ledger_balances_floor_single_shard")),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_ledger_balances_account_id_ledger_accounts")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="RESTRICT",
                                name=op.f("fk_ledger_balances_organization_id_organizations")),
        sa.PrimaryKeyConstraint("account_id", "shard", name=op.f("pk_ledger_balances")),
        postgresql_with={"fillfactor": "50"},  # room on each page for HOT updates of hot balance rows
    )
    op.create_index(op.f("ix_ledger_balances_organization_id"), "ledger_balances", ["organization_id"])

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("memo", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.Column("reverses_entry_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="RESTRICT",
                                name=op.f("fk_ledger_entries_organization_id_organizations")),
        sa.ForeignKeyConstraint(["reverses_entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_ledger_entries_reverses_entry_id_ledger_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("organization_id", "idempotency_key",
                            name=op.f("uq_ledger_entries_organization_id_idempotency_key")),
    )
    # An entry is reversed at most once; partial, so the many entries that reverse nothing cost no index entry.
    op.create_index("uq_ledger_entries_reverses_entry_id", "ledger_entries", ["reverses_entry_id"], unique=True,
                    postgresql_where=sa.text("reverses_entry_id IS NOT NULL"))

    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_postings_amount_not_zero")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="RESTRICT",
                                name=op.f("fk_ledger_postings_organization_id_organizations")),
        sa.ForeignKeyConstraint(["entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_ledger_postings_entry_id_ledger_entries")),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_ledger_postings_account_id_ledger_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    op.create_index(op.f("ix_ledger_postings_entry_id"), "ledger_postings", ["entry_id"])
    op.create_index(op.f("ix_ledger_postings_account_id_effective_at_id"), "ledger_postings",
                    ["account_id", "effective_at", "id"])

    op.create_table(
        "ledger_holds",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_holds_amount_positive")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="RESTRICT",
                                name=op.f("fk_ledger_holds_organization_id_organizations")),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"],
                                name=op.f("fk_ledger_holds_account_id_ledger_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_holds")),
        sa.UniqueConstraint("organization_id", "reference", name=op.f("uq_ledger_holds_organization_id_reference")),
    )
    op.create_index(op.f("ix_ledger_holds_organization_id"), "ledger_holds", ["organization_id"])
    op.create_index(op.f("ix_ledger_holds_account_id"), "ledger_holds", ["account_id"])

    for table in ("ledger_accounts", "ledger_balances", "ledger_entries", "ledger_postings", "ledger_holds"):
        enable_tenant_rls(op, table)
    for table in ("ledger_entries", "ledger_postings"):
        forbid_update_delete(op, table)
        append_only_privileges(op, table)
    op.execute(POST_FUNCTION)

    # Organizations that exist already get their chart now (new ones get it in create_organization).
    op.execute("SELECT set_config('app.all_organizations', 'on', true)")
    values = ", ".join(f"('{c}', '{n}', '{p}', '{t}', '{s}')" for c, n, p, t, s in CHART)
    op.execute(
        f"""
        WITH opened AS (
            INSERT INTO ledger_accounts (organization_id, code, name, purpose, type, normal_side, currency, shards)
            SELECT o.id, c.code, c.name, c.purpose, c.type, c.side, o.currency, {SYSTEM_SHARDS}
              FROM organizations o CROSS JOIN (VALUES {values}) AS c(code, name, purpose, type, side)
            ON CONFLICT DO NOTHING
            RETURNING id, organization_id, shards
        )
        INSERT INTO ledger_balances (account_id, shard, organization_id, balance, held)
        SELECT a.id, s, a.organization_id, 0, 0 FROM opened a, generate_series(0, a.shards - 1) AS s
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS ledger_post_entries(bigint, text[], text[], text[], timestamptz[], text[], "
        "text[], text[], text[], bigint[], int[], bigint[], bigint[], text[])"
    )
    for table in ("ledger_holds", "ledger_postings", "ledger_entries", "ledger_balances", "ledger_accounts"):
        op.drop_table(table)
