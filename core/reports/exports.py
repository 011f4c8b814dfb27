"""Long CSV exports as console jobs (core.ops.console_jobs): the console opens one, the `reports.export` job
writes the file onto the job row wherever the dispatcher runs it, and the page polls the row."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from core.db.database import Database
from core.ops.console_jobs import end_job, report_progress, take_job
from core.reports.collections import safe_cell

KINDS = ("member_balances",)
BATCH = 250

_COUNT = text("SELECT count(*) FROM members WHERE organization_id = :org")
_PAGE = text(
    """
    SELECT m.id, m.first_name, m.last_name, m.phone, m.status, g.code, coalesce(b.balance, 0)
      FROM (SELECT * FROM members WHERE organization_id = :org AND id > :after ORDER BY id LIMIT :n) m
      LEFT JOIN group_memberships gm ON gm.member_id = m.id AND gm.left_on IS NULL
      LEFT JOIN groups g ON g.id = gm.group_id
      LEFT JOIN ledger_accounts a ON a.organization_id = m.organization_id AND a.member_id = m.id
            AND a.group_id = g.id AND a.purpose = 'member_savings'
      LEFT JOIN ledger_balances b ON b.account_id = a.id AND b.shard = 0
     ORDER BY m.id, g.code
    """
)


async def run_export_job(db: Database, organization_id: int, token: str) -> int | None:
    """The `reports.export` job: write the CSV in batches, progress on the job row, the file kept on it.
    Returns the rows written; None when the job had ended (a redelivery)."""
    if await take_job(db, organization_id, token) is None:
        return None
    async with db.tenant(organization_id) as session:
        total = int((await session.execute(_COUNT, {"org": organization_id})).scalar_one())
    await report_progress(db, organization_id, token, total=total)
    done, after = 0, 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["member_id", "first_name", "last_name", "phone", "status", "group_code", "balance"])
    try:
        while True:
            async with db.tenant(organization_id) as session:
                rows = (await session.execute(_PAGE, {"org": organization_id, "after": after, "n": BATCH})).all()
            if not rows:
                break
            for row in rows:
                writer.writerow([safe_cell(c) for c in row])
            ids = {row[0] for row in rows}
            done, after = done + len(ids), max(ids)
            await report_progress(db, organization_id, token, done=min(done, total))
    except Exception as exc:
        await end_job(db, organization_id, token, failure=str(exc) or type(exc).__name__, done=min(done, total))
        raise
    await end_job(db, organization_id, token, output=buffer.getvalue().encode("utf-8"), done=min(done, total))
    return done
