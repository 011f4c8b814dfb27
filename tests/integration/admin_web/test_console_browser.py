"""End to end in headless Chromium (the system's): sign in with password + TOTP, clear an exception with
the keyboard and see the member's balance change; screenshots under test-output/console/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyotp
import pypdf

from core.db.database import Database
from core.identity.roles import StaffRole
from core.payments.exception_queue import list_exceptions
from core.payments.reconcile import reconcile_messages
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.chromium import BROWSER_TEST, OUTPUT
from tests.support.factories import STAFF_PASSWORD, make_group, make_member, make_organization, make_staff
from tests.support.momo import mtn_received, store

OUT = OUTPUT / "console"

pytestmark = BROWSER_TEST


async def _sign_in(page: Any, base: str, email: str, secret: str) -> None:
    await page.goto(base + "/console/login")
    await page.fill("input[type=email]", email)
    await page.fill("input[type=password]", STAFF_PASSWORD)
    await page.keyboard.press("Enter")
    code = page.locator("input[name=code]:visible")
    await code.wait_for()  # asked in place by signin.js (or on /console/mfa without scripts)
    await code.fill(pyotp.TOTP(secret).now())
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/")


async def test_allocate_an_exception_with_the_keyboard_and_see_the_balance(
    db: Database, console_client: ClientFactory, browser: Any
) -> None:
    org = await make_organization(db, name="Twisungane SACCO")
    group = await make_group(db, org, name="Abahizi")
    member = await make_member(db, org, group)
    await store(
        db,
        org.id,
        mtn_received(3000, "", name=member.full_name.upper(), phone="*********" + member.phone[-3:]),
    )
    await reconcile_messages(db, org.id)
    (exc,) = (await list_exceptions(db, org.id)).items
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    base = str(client.make_url("")).rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = await context.new_page()
    problems: list[str] = []
    page.on(
        "response", lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    await _sign_in(page, base, user.email, secret)
    await page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
    assert await page.locator("[data-stat=exceptions]").inner_text() == "1"

    await page.goto(base + "/console/exceptions")
    await page.wait_for_selector("tr.current")  # the keyboard script focused the first row
    await page.screenshot(path=str(OUT / "exceptions.png"), full_page=True)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/console/exceptions/{exc.id}")
    assert "3,000 RWF" in await page.locator("pre.sms").inner_text()
    await page.screenshot(path=str(OUT / "exception.png"), full_page=True)
    await page.keyboard.press("a")
    await page.wait_for_selector(".notice")
    assert f"#{exc.id}" in await page.locator(".notice").inner_text()

    await page.goto(base + f"/console/members?q={member.last_name}")
    await page.click(f"text={member.full_name}")
    await page.wait_for_selector("[data-balance]")
    assert (await page.locator("[data-balance]").inner_text()).replace("\u202f", ",") == "3,000 RWF"
    await page.screenshot(path=str(OUT / "member.png"), full_page=True)
    async with page.expect_download() as download_info:
        await page.click("text=Statement PDF")
    download = await download_info.value
    pdf = Path(await download.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Twisungane SACCO" in text and member.full_name in text and "3,000 RWF" in text

    await page.set_viewport_size({"width": 375, "height": 700})
    await page.goto(base + "/console/exceptions?status=resolved&lang=rw")
    await page.screenshot(path=str(OUT / "exceptions-phone-rw.png"), full_page=True)
    assert problems == [], problems
    await context.close()


async def test_answer_a_support_conversation_and_see_it_in_the_outbox(
    db: Database, console_client: ClientFactory, browser: Any
) -> None:
    from sqlalchemy import select

    from core.messaging.models import OutboxMessage
    from tests.support.tenant_sweep import plant_handoff

    org = await make_organization(db)
    planted = await plant_handoff(db, org, text="Sinabonye amafaranga yanjye")
    user, secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    client = await console_client()
    base = str(client.make_url("")).rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = await context.new_page()
    await _sign_in(page, base, user.email, secret)
    await page.goto(base + "/console/support")
    await page.click(f"a[href='/console/support/{planted['handoff_id']}']")
    await page.fill("textarea[name=text]", "Twayabonye, murakoze")
    await page.screenshot(path=str(OUT / "support.png"), full_page=True)
    await page.click("button:has-text('Send')")
    await page.wait_for_selector(".notice")
    assert "Twayabonye, murakoze" in await page.locator(".transcript").inner_text()
    async with db.system() as s:
        texts = (
            await s.execute(select(OutboxMessage.text).where(OutboxMessage.recipient == planted["phone"]))
        ).scalars()
        assert list(texts) == ["Twayabonye, murakoze"]
    await page.click("button:has-text('Close and hand back')")
    await page.wait_for_url("**/console/support")
    assert "Nobody is waiting" in await page.content()
    await context.close()


async def test_approve_a_loan(db: Database, console_client: ClientFactory, browser: Any) -> None:
    from tests.support.tenant_sweep import plant_loan

    org = await make_organization(db)
    planted = await plant_loan(db, org)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    base = str(client.make_url("")).rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = await context.new_page()
    await _sign_in(page, base, user.email, secret)
    await page.goto(base + "/console/loans")
    await page.click(f"text={planted['reference']}")
    await page.screenshot(path=str(OUT / "loan.png"), full_page=True)
    await page.fill("input[name=note]", "regular saver")
    await page.click("button:has-text('Approve')")
    await page.wait_for_selector("[data-loan-status]:has-text('approved')")
    await page.click("button:has-text('Disburse')")
    await page.wait_for_selector("text=Schedule and repayments")
    await page.screenshot(path=str(OUT / "loan-disbursed.png"), full_page=True)
    await context.close()


async def test_import_members_with_a_progress_bar(
    db: Database, console_client: ClientFactory, browser: Any, tmp_path: Path
) -> None:
    from tests.support.factories import new_phone

    org = await make_organization(db)
    group = await make_group(db, org)
    rows = [f"Member{n},Batch,{new_phone()},,rw,{group.code}" for n in range(30)] + ["Bad,Row,123,,rw,"]
    csv_file = tmp_path / "members.csv"
    csv_file.write_text(
        "first_name,last_name,phone,national_id,language,group_code\n" + "\n".join(rows) + "\n"
    )
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    base = str(client.make_url("")).rstrip("/")
    context = await browser.new_context(viewport={"width": 390, "height": 800}, locale="fr-FR")
    page = await context.new_page()
    await _sign_in(page, base, user.email, secret)
    await page.goto(base + "/console/members/import?lang=fr")
    await page.set_input_files("input[type=file]", str(csv_file))
    await page.click("button[type=submit]:has-text('Importer')")
    await page.wait_for_selector("[data-import][data-finished='1']")
    assert await page.locator("progress").evaluate("p => p.value === p.max") is True
    errors = page.locator("[data-errors] tbody tr")
    assert await errors.count() == 1 and "32" in await errors.first.inner_text()
    await page.screenshot(path=str(OUT / "import-phone-fr.png"), full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await context.close()
