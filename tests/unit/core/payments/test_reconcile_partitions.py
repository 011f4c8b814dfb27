"""The claim partitions the reconciler asks for are the ones the migration's stored column produces."""

from __future__ import annotations

from pathlib import Path

from core.payments.reconcile import PARTITIONS

MIGRATION = Path(__file__).parents[4] / "core" / "db" / "migrations" / "versions" / "0009a_claim_partitions.py"


def test_the_partition_column_has_as_many_values_as_the_reconciler_tries() -> None:
    source = MIGRATION.read_text()
    assert "claim_partition smallint GENERATED ALWAYS AS" in source
    assert f"& {PARTITIONS - 1} AS smallint" in source
