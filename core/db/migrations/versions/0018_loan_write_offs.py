"""loan write-offs: every organization gets a loan-losses expense and a recoveries income account

A loan the SACCO no longer expects to collect is written off: its principal receivable moves to the
loan-losses expense (and its unpaid penalties back out of penalty income), so the books stop counting it as
an asset. Money that still comes in on it afterwards is a recovery. New organizations get both accounts
with their chart (core/ledger/chart.py); this gives them to the organizations that exist already. A loan
keeps when it was written off and why.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCOUNTS = (
    ("expense:loan_losses", "Loan losses: principal written off", "loan_loss", "expense", "debit"),
    ("income:recoveries", "Recoveries on loans written off", "recovery_income", "income", "credit"),
)
CODES = ", ".join(f"'{code}'" for code, *_ in ACCOUNTS)


def upgrade() -> None:
    op.add_column("loan_applications", sa.Column("written_off_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("loan_applications", sa.Column("write_off_reason", sa.Text(), nullable=True))
    op.execute("SELECT set_config('app.all_organizations', 'on', true)")
    values = ", ".join(f"('{c}', '{n}', '{p}', '{t}', '{s}')" for c, n, p, t, s in ACCOUNTS)
    op.execute(
        f"""
        WITH opened AS (
            INSERT INTO ledger_accounts (organization_id, code, name, purpose, type, normal_side, currency, shards)
            SELECT o.id, c.code, c.name, c.purpose, c.type, c.side, o.currency, 1
              FROM organizations o CROSS JOIN (VALUES {values}) AS c(code, name, purpose, type, side)
            ON CONFLICT DO NOTHING
            RETURNING id, organization_id
        )
        INSERT INTO ledger_balances (account_id, shard, organization_id, balance, held)
        SELECT a.id, 0, a.organization_id, 0, 0 FROM opened a
        """
    )


def downgrade() -> None:
    op.execute("SELECT set_config('app.all_organizations', 'on', true)")
    op.execute(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
                        WHERE a.code IN ({CODES})) THEN
                RAISE EXCEPTION 'loans were written off: their entries cannot be taken back by a downgrade';
            END IF;
        END $$
        """
    )
    op.execute(f"DELETE FROM ledger_balances WHERE account_id IN (SELECT id FROM ledger_accounts WHERE code IN ({CODES}))")
    op.execute(f"DELETE FROM ledger_accounts WHERE code IN ({CODES})")
    op.drop_column("loan_applications", "write_off_reason")
    op.drop_column("loan_applications", "written_off_at")
