"""An imported phone export is reconciled as it is stored: the summary counts matched and unmatched payments."""

from __future__ import annotations

import csv
from pathlib import Path

from core.db.database import Database
from core.payments.importer import import_file
from core.payments.reconcile import reconcile_messages
from tests.support.factories import make_group, make_member, make_organization
from tests.support.momo import code_of, mtn_received


async def test_import_summary_counts_matched_and_unmatched(db: Database, tmp_path: Path) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    code = await code_of(db, org.id, member.id)
    messages = [mtn_received(2000, code), mtn_received(2000, code), mtn_received(1000, ""),
                mtn_received(500, "99999999")]
    export = tmp_path / "export.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sender", "body", "received_at"])
        for m in messages:
            writer.writerow([m.sender, m.body, m.received_at.isoformat()])

    async def reconcile(organization_id: int, sms_ids: list[int]) -> dict[str, int]:
        return (await reconcile_messages(db, organization_id, sms_ids)).as_dict()

    summary = await import_file(db, org.id, export, reconcile=reconcile)
    assert (summary.read, summary.new, summary.pending) == (4, 4, 4)
    assert (summary.matched, summary.unmatched) == (2, 2)
    again = await import_file(db, org.id, export, reconcile=reconcile)
    assert (again.duplicate, again.matched, again.unmatched) == (4, 0, 0)
