"""End to end in headless Chromium (the system's): sign in with a code from the outbox, see balances at
360x640, go offline and reload: the last data is still there with a stale notice."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.db.database import Database
from tests.integration.mobile.conftest import contribute, latest_code, make_saver
from tests.support.chromium import BROWSER_TEST, OUTPUT

OUT = OUTPUT
NARROW = "document.documentElement.scrollWidth <= window.innerWidth"

pytestmark = BROWSER_TEST


async def test_sign_in_see_balances_then_offline_with_a_stale_notice(
    client: TestClient, db: Database, browser: object
) -> None:
    saver = await make_saver(db, savings=10_000)
    await contribute(db, saver.org, saver.group, saver.member, 2_500)
    base = str(client.make_url("/app/"))
    context = await browser.new_context(viewport={"width": 360, "height": 640}, locale="en-US")  # type: ignore[attr-defined]
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    OUT.mkdir(exist_ok=True)

    await page.goto(base)
    await page.wait_for_selector("body[data-ready='1']")
    await page.get_by_role("button", name="English").click()
    await page.wait_for_selector("text=Sign in")
    await page.screenshot(path=str(OUT / "member-app-login.png"))
    await page.fill("input[name=phone]", saver.phone)
    await page.click("#phone-form button[type=submit]")
    await page.wait_for_selector("#code-form")
    code = await latest_code(db, saver.org.id, saver.phone)
    assert code is not None
    await page.fill("input[name=code]", code)
    await page.click("#code-form button[type=submit]")
    total = page.locator("[data-testid=total-savings]")
    await total.wait_for()
    assert "12,500" in (await total.inner_text())
    assert await page.locator("#who").inner_text() == saver.member.full_name
    await page.screenshot(path=str(OUT / "member-app-balances.png"))

    # The worker controls the page from now on; one online reload passes the API through its cache.
    await page.evaluate("navigator.serviceWorker.ready")
    await page.reload()
    await page.wait_for_selector("[data-testid=total-savings]")
    await page.wait_for_function("navigator.serviceWorker.controller !== null")
    await page.wait_for_function(
        "caches.open('ibimina-api-v1').then(c => c.keys())"
        ".then(keys => keys.some(r => r.url.endsWith('/api/v1/me/balances')))"
    )
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    # Pay: a one-tap tel: link with the MoMo dial string.
    await page.click("a[data-tab=pay]")
    pay = page.locator("a.btn.pay").first
    await pay.wait_for()
    assert (await pay.get_attribute("href") or "").startswith("tel:*182*")
    await page.screenshot(path=str(OUT / "member-app-pay.png"))
    await page.click("a[data-tab=home]")
    await page.wait_for_selector("[data-testid=total-savings]")

    await context.set_offline(True)
    await page.reload()
    await total.wait_for()
    assert "12,500" in (await total.inner_text())
    status = page.locator("#status")
    await page.wait_for_selector("#status[data-state=offline]")
    notice = await status.inner_text()
    assert notice.startswith("Last updated ") and notice.endswith("offline"), notice
    await page.screenshot(path=str(OUT / "member-app-offline.png"))

    await context.set_offline(False)
    await page.reload()
    await total.wait_for()
    await page.wait_for_selector("#status", state="hidden")  # fresh data: no notice
    csp = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not csp, csp
    await context.close()


async def test_every_screen_in_kinyarwanda_with_a_loan_and_a_support_message(
    client: TestClient, db: Database, browser: object
) -> None:
    saver = await make_saver(db, savings=20_000, language="rw")
    for amount in (1_000, 2_000, 3_000):
        await contribute(db, saver.org, saver.group, saver.member, amount)
    context = await browser.new_context(viewport={"width": 360, "height": 640}, locale="rw-RW")  # type: ignore[attr-defined]
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(str(client.make_url("/app/")))
    await page.wait_for_selector("body[data-ready='1']")
    assert await page.evaluate("document.documentElement.lang") == "rw"
    await page.fill("input[name=phone]", saver.phone)
    await page.click("#phone-form button[type=submit]")
    await page.wait_for_selector("#code-form")
    await page.fill("input[name=code]", await latest_code(db, saver.org.id, saver.phone) or "")
    await page.click("#code-form button[type=submit]")
    await page.wait_for_selector("[data-testid=total-savings]")
    assert await page.locator("a[data-tab=home]").inner_text() == "Ahabanza"

    await page.click("a[data-tab=history]")
    await page.wait_for_selector("#transactions li[data-tx]")
    assert await page.locator("#transactions li[data-tx]").count() == 4
    assert "Umusanzu" in await page.locator("#transactions").inner_text()
    assert await page.evaluate(NARROW), "history scrolls sideways"

    await page.click("a[data-tab=loans]")
    await page.wait_for_selector("#loans")
    await page.get_by_role("button", name="Saba inguzanyo").click()
    await page.fill("input[name=amount]", "30000")
    await page.fill("input[name=months]", "6")
    await page.fill("input[name=purpose]", "Kugura imashini idoda")
    await page.click("#loan-form button[type=submit]")
    await page.wait_for_selector("#loan-detail .badge")
    assert "Byoherejwe" in await page.locator("#loan-detail").inner_text()
    await page.screenshot(path=str(OUT / "member-app-loan.png"))
    assert await page.evaluate(NARROW), "loan scrolls sideways"

    await page.click("a[data-tab=more]")
    await page.wait_for_selector("#profile h3")
    await page.fill("#support-form textarea", "Umusanzu wanjye ntugaragara")
    await page.click("#support-form button[type=submit]")
    await page.wait_for_selector("text=Ubutumwa bwawe bwoherejwe")
    await page.get_by_role("button", name="Français").click()
    await page.wait_for_selector("a[data-tab=home]:has-text('Accueil')")
    await page.screenshot(path=str(OUT / "member-app-more-fr.png"))
    assert await page.evaluate(NARROW), "more scrolls sideways"
    await page.click("#sign-out")
    await page.wait_for_selector("#phone-form")
    assert await page.evaluate("caches.has('ibimina-api-v1')") is False
    assert await page.evaluate("localStorage.getItem('ibimina.tokens')") is None
    assert not errors, errors
    await context.close()
