"""Imports of phone exports go through the same inbox: stored first, duplicates counted, nothing dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db.database import Database
from core.errors import InvalidInput
from core.payments.importer import import_file
from tests.support.factories import make_organization

FIXTURES = Path(__file__).parents[3] / "fixtures" / "sms_export"


async def test_xml_backup_imports_inbox_messages_and_counts_duplicates(db: Database) -> None:
    org = await make_organization(db)
    seen: list[tuple[int, int]] = []
    summary = await import_file(db, org.id, FIXTURES / "backup.xml", progress=lambda d, t: seen.append((d, t)))
    assert summary.as_dict() == {"read": 3, "new": 2, "duplicate": 1, "pending": 1, "ignored": 1, "unparsed": 0,
                                 "matched": 0, "unmatched": 0}
    assert seen[-1] == (3, 3)
    again = await import_file(db, org.id, FIXTURES / "backup.xml")
    assert (again.new, again.duplicate) == (0, 3)


async def test_csv_export_imports_with_epoch_and_iso_dates(db: Database) -> None:
    org = await make_organization(db)
    summary = await import_file(db, org.id, FIXTURES / "export.csv")
    assert (summary.read, summary.new, summary.pending, summary.unparsed) == (2, 2, 1, 1)


async def test_a_csv_without_the_needed_columns_is_refused_clearly(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\nx,y\n")
    with pytest.raises(InvalidInput, match="columns"):
        await import_file(db, 1, bad)
