"""merge the per-area branches (identity, messaging, reconciliation with the ledger, loans) into one head

Each area migrated off the foundation on its own branch while they were built in parallel; from here on
there is one head again, and new migrations hang off this one.

Revision ID: 0011
Revises: 0003, 0005, 0009a, 0010
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | Sequence[str] | None = ("0003", "0005", "0009a", "0010")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
