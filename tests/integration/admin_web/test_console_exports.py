"""Long exports: started from the reports page, progress as JSON, the CSV download, walls; the worker job too."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.jobs import JOBS
from core.db.database import Database
from core.identity.roles import StaffRole
from core.reports.exports import new_export, read_progress, run_export
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import (
    STAFF_PASSWORD,
    make_group,
    make_member,
    make_organization,
    make_savings,
    make_staff,
)


async def test_member_balances_export(db: Database, console_client: ClientFactory, tmp_path: Path) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    members = [await make_member(db, org, group) for _ in range(3)]
    await make_savings(db, org, members[0], group, 7000)
    user, secret = await make_staff(db, org, role=StaffRole.ACCOUNTANT)
    client = await console_client(data_dir=tmp_path)
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/reports")
    started = await client.post(
        "/console/reports/exports",
        data={"csrf_token": token, "kind": "member_balances"},
        allow_redirects=False,
    )
    assert started.status == 303
    status_url = started.headers["Location"]
    state: dict[str, object] = {}
    for _ in range(100):
        state = await (await client.get(status_url, headers={"Accept": "application/json"})).json()
        if state["finished"]:
            break
        await asyncio.sleep(0.05)
    assert state == {"total": 3, "done": 3, "finished": True, "failure": None}
    page = await (await client.get(status_url)).text()
    assert "<progress" in page and "exports/download" in page
    csv_text = await (await client.get(status_url.replace("/status", "/download"))).text()
    lines = csv_text.splitlines()
    assert lines[0].startswith("member_id,") and len(lines) == 4
    assert any(line.endswith(f",{group.code},7000") and members[0].phone in line for line in lines)

    other_org = await make_organization(db)
    stranger, stranger_secret = await make_staff(db, other_org, role=StaffRole.MANAGER)
    other = await console_client(data_dir=tmp_path)
    await sign_in(other, stranger.email, STAFF_PASSWORD, stranger_secret)
    assert (await other.get(status_url)).status == 404
    assert (await other.get(status_url.replace("/status", "/download"))).status == 404
    assert (await other.get("/console/reports/exports/status?token=../../etc")).status == 404
    forged = await client.post("/console/reports/exports", data={"kind": "member_balances"})
    assert forged.status == 403


async def test_the_worker_job_writes_the_same_export(db: Database, tmp_path: Path) -> None:
    assert "reports.export" in JOBS
    org = await make_organization(db)
    await make_member(db, org, await make_group(db, org))
    token = new_export(tmp_path, org.id, "member_balances")
    assert not read_progress(tmp_path, org.id, token).finished
    done = await run_export(db, tmp_path, org.id, token, "member_balances")
    assert done.finished and done.done == 1 == read_progress(tmp_path, org.id, token).total
