"""Long CSV exports as jobs: written under the data directory with a progress file any process can read.

The console starts one (in-process, or a worker runs the `reports.export` job); the page polls `read_progress`.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import text

from core.db.database import Database
from core.errors import InvalidInput, NotFound
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


@dataclass(frozen=True, slots=True)
class ExportProgress:
    kind: str
    total: int
    done: int
    finished: bool
    failure: str | None = None


def _folder(data_dir: Path, organization_id: int) -> Path:
    return data_dir / "exports" / str(organization_id)


def _check(token: str) -> str:
    if not token or len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
        raise NotFound("There is no such export.")
    return token


def _write(path: Path, progress: ExportProgress) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(progress)), encoding="utf-8")
    os.replace(tmp, path)


def new_export(data_dir: Path, organization_id: int, kind: str) -> str:
    """Reserve a token for an export of `kind` and record it as waiting; raises InvalidInput for a kind we lack."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown export {kind!r}")
    folder = _folder(data_dir, organization_id)
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(16)
    _write(folder / f"{token}.json", ExportProgress(kind, 0, 0, False))
    return token


def read_progress(data_dir: Path, organization_id: int, token: str) -> ExportProgress:
    """Where the export stands; another organization's token is as missing as an unknown one (NotFound)."""
    path = _folder(data_dir, organization_id) / f"{_check(token)}.json"
    if not path.exists():
        raise NotFound("There is no such export.")
    return ExportProgress(**json.loads(path.read_text(encoding="utf-8")))


def export_file(data_dir: Path, organization_id: int, token: str) -> Path:
    """The finished CSV; NotFound while it is not ready."""
    progress = read_progress(data_dir, organization_id, token)
    path = _folder(data_dir, organization_id) / f"{token}.csv"
    if not progress.finished or progress.failure or not path.exists():
        raise NotFound("The export is not ready.")
    return path


async def run_export(
    db: Database, data_dir: Path, organization_id: int, token: str, kind: str
) -> ExportProgress:
    """Write the CSV in batches, updating the progress file; running it again rewrites the same file."""
    folder = _folder(data_dir, organization_id)
    state = folder / f"{_check(token)}.json"
    out = folder / f"{token}.csv"
    async with db.tenant(organization_id) as session:
        total = int((await session.execute(_COUNT, {"org": organization_id})).scalar_one())
    done, after = 0, 0
    try:
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["member_id", "first_name", "last_name", "phone", "status", "group_code", "balance"]
            )
            while True:
                async with db.tenant(organization_id) as session:
                    rows = (
                        await session.execute(_PAGE, {"org": organization_id, "after": after, "n": BATCH})
                    ).all()
                if not rows:
                    break
                for row in rows:
                    writer.writerow([safe_cell(c) for c in row])
                ids = {row[0] for row in rows}
                done, after = done + len(ids), max(ids)
                _write(state, ExportProgress(kind, total, min(done, total), False))
    except Exception as exc:
        _write(state, ExportProgress(kind, total, done, True, str(exc)[:300]))
        raise
    final = ExportProgress(kind, total, done, True)
    _write(state, final)
    return final
