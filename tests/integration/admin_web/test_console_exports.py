"""Long exports: started from the reports page, progress as JSON, the CSV download, walls; the job itself too."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.jobs import JOBS
from bot.runtime import Runtime
from core.db.database import Database
from core.identity.roles import StaffRole
from core.ops.console_jobs import MEMBER_BALANCES_EXPORT, job_output, job_state, open_job
from core.settings import Settings
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


async def test_the_export_job_runs_once_and_keeps_its_file_on_the_job(db: Database, settings: Settings) -> None:
    """What a worker runs: the job row carries progress and the file, so any console process serves them; a
    redelivered job that finds its row finished does nothing."""
    org = await make_organization(db)
    member = await make_member(db, org, await make_group(db, org))
    async with db.tenant(org.id) as s:
        token = await open_job(s, organization_id=org.id, kind=MEMBER_BALANCES_EXPORT)
        assert not (await job_state(s, org.id, token)).finished
    rt = Runtime(settings=settings, owner_url=settings.database_url or "", db=db)
    assert await JOBS["reports.export"](rt, organization_id=org.id, token=token) == {"done": 1}
    assert await JOBS["reports.export"](rt, organization_id=org.id, token=token) == {"done": None}  # redelivered
    async with db.tenant(org.id) as s:
        state = await job_state(s, org.id, token)
        csv_text = (await job_output(s, org.id, token)).decode()
    assert state.finished and state.total == state.done == 1 and member.phone in csv_text
