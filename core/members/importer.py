"""Importing members from a CSV file: each row in its own transaction, with a per-row error report and progress.

The console stores the parsed rows on a console job (encrypted: national IDs) and the `members.import` job runs
`run_import_job` wherever the job dispatcher sends it (core.ops.console_jobs).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from core.audit.service import Actor
from core.crypto.pii import PiiCipher
from core.db.database import Database
from core.errors import DomainError, InvalidInput
from core.members.models import Group
from core.members.service import add_to_group, create_member
from core.ops.console_jobs import end_job, report_progress, take_job

COLUMNS = ("first_name", "last_name", "phone", "national_id", "language", "group_code")
REQUIRED = ("first_name", "last_name", "phone")
MAX_ROWS = 5000
MAX_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # 2 for the first row after the header
    values: dict[str, str]


@dataclass(slots=True)
class ImportReport:
    total: int
    done: int = 0
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


Progress = Callable[[ImportReport], Awaitable[None]]


def parse_members_csv(data: bytes) -> list[CsvRow]:
    """Rows of a UTF-8 (or UTF-8 with BOM) CSV whose header names at least the required columns.

    Raises InvalidInput for a file that is too big, not text, without the columns, or with too many rows.
    """
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("save the file as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(
            f"the header needs the columns {', '.join(REQUIRED)} (missing: {', '.join(missing)})"
        )
    reader.fieldnames = header
    rows = [
        CsvRow(n, {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS})
        for n, raw in enumerate(reader, start=2)
        if any((v or "").strip() for v in raw.values() if isinstance(v, str))
    ]
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"import at most {MAX_ROWS} members at a time")
    return rows


async def import_members(
    db: Database,
    organization_id: int,
    rows: list[CsvRow],
    *,
    actor: Actor,
    pii: PiiCipher,
    progress: Progress | None = None,
) -> ImportReport:
    """Create each row's member (and group membership); a failing row is reported and the rest go on."""
    report = ImportReport(total=len(rows))
    async with db.tenant(organization_id) as session:
        groups = {
            code.upper(): gid
            for gid, code in await session.execute(
                select(Group.id, func.upper(Group.code)).where(Group.organization_id == organization_id)
            )
        }
    for row in rows:
        v = row.values
        try:
            if not v.get("first_name") or not v.get("last_name"):
                raise InvalidInput("first and last name are needed")
            code = v.get("group_code", "").upper()
            if code and code not in groups:
                raise InvalidInput(f"no group with code {code}")
            async with db.tenant(organization_id) as session:
                member = await create_member(
                    session,
                    organization_id=organization_id,
                    phone=v.get("phone", ""),
                    first_name=v["first_name"],
                    last_name=v["last_name"],
                    language=v.get("language") or "rw",
                    national_id=v.get("national_id") or None,
                    pii=pii,
                    actor=actor,
                )
                if code:
                    group = await session.get(Group, groups[code])
                    assert group is not None
                    await add_to_group(session, member=member, group=group, actor=actor)
            report.created += 1
        except DomainError as exc:
            report.errors.append((row.line, exc.message))
        report.done += 1
        if progress is not None and (report.done % 10 == 0 or report.done == report.total):
            await progress(report)
    return report


INPUT_CONTEXT = "console_job.member_import"


def seal_rows(rows: list[CsvRow], pii: PiiCipher) -> str:
    """The rows as the job row keeps them until the import ends: encrypted, since they carry national IDs."""
    return pii.encrypt(json.dumps([[r.line, r.values] for r in rows]), context=INPUT_CONTEXT)


def _open_rows(sealed: str, pii: PiiCipher) -> list[CsvRow]:
    return [CsvRow(int(line), dict(values)) for line, values in json.loads(pii.decrypt(sealed, context=INPUT_CONTEXT))]


def _counters(report: ImportReport) -> dict[str, Any]:
    return {"done": report.done, "created": report.created,
            "errors": [{"line": line, "error": why} for line, why in report.errors]}  # fmt: skip


async def run_import_job(db: Database, pii: PiiCipher, organization_id: int, token: str) -> ImportReport | None:
    """The `members.import` job: import the sealed rows, progress on the job row; None when it had ended."""
    taken = await take_job(db, organization_id, token)
    if taken is None or taken.input is None:
        return None
    actor = Actor.staff(taken.staff_user_id) if taken.staff_user_id else Actor.system("member_import")

    async def progress(report: ImportReport) -> None:
        await report_progress(db, organization_id, token, **_counters(report))

    try:
        report = await import_members(db, organization_id, _open_rows(taken.input, pii), actor=actor, pii=pii,
                                      progress=progress)  # fmt: skip
    except Exception as exc:  # the rows done so far stay done; the page says why it stopped
        await end_job(db, organization_id, token, failure=str(exc) or type(exc).__name__)
        raise
    await end_job(db, organization_id, token, **_counters(report))
    return report
