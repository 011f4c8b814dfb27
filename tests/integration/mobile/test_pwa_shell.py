"""The PWA under /app/: every shell file served with its type, the stamped worker, CSP, no path escapes."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from mobile.shell import PWA_DIR, shell_version
from tests.unit.mobile.test_pwa_files import shell_list


async def test_the_shell_page(client: TestClient) -> None:
    r = await client.get("/app/")
    html = await r.text()
    assert r.status == 200 and r.content_type == "text/html"
    assert "manifest.webmanifest" in html and 'src="js/main.js"' in html
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    r = await client.get("/app", allow_redirects=False)
    assert r.status == 308 and r.headers["Location"] == "/app/"


async def test_every_precached_file_is_served_with_its_type(client: TestClient) -> None:
    types = {".js": "text/javascript", ".json": "application/json", ".css": "text/css", ".png": "image/png",
             ".svg": "image/svg+xml", ".html": "text/html", ".webmanifest": "application/manifest+json"}
    for path in shell_list():
        r = await client.get("/app/" + ("" if path == "./" else path))
        assert r.status == 200, path
        suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ".html"
        assert r.content_type == types[suffix], (path, r.content_type)


async def test_the_worker_is_stamped_with_the_shell_version(client: TestClient) -> None:
    r = await client.get("/app/sw.js")
    text = await r.text()
    assert r.status == 200 and r.content_type == "text/javascript"
    assert "__SHELL_VERSION__" not in text and f"'{shell_version(PWA_DIR)}'" in text
    assert r.headers["Cache-Control"] == "no-cache"


async def test_nothing_outside_the_shell_is_served(client: TestClient) -> None:
    for path in ("/app/../pyproject.toml", "/app/%2e%2e/pyproject.toml", "/app/js/../../shell.py",
                 "/app/.hidden", "/app/missing.js", "/app/js/"):
        r = await client.get(path)
        assert r.status == 404, path
