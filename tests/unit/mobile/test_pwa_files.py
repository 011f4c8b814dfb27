"""The PWA's files: the precache list is whole, catalogues agree, no inline code, the manifest and icons fit."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image

PWA = Path(__file__).resolve().parents[3] / "mobile" / "pwa"
SHELL_ENTRY = re.compile(r"^\s*'([^']+)',\s*$", re.M)


def shell_list() -> list[str]:
    source = (PWA / "sw.js").read_text()
    block = source[source.index("const SHELL = [") : source.index("];", source.index("const SHELL = ["))]
    return SHELL_ENTRY.findall(block)


def test_the_service_worker_precaches_every_shell_file_and_nothing_else() -> None:
    listed = [p for p in shell_list() if p != "./"]
    on_disk = sorted(
        p.relative_to(PWA).as_posix() for p in PWA.rglob("*") if p.is_file() and p.name != "sw.js"
    )
    assert sorted(listed) == on_disk
    assert "./" in shell_list()


def test_every_catalogue_has_the_same_keys_and_no_empty_text() -> None:
    catalogues = {lang: json.loads((PWA / "i18n" / f"{lang}.json").read_text()) for lang in ("rw", "en", "fr")}
    keys = set(catalogues["rw"])
    for lang, catalogue in catalogues.items():
        assert set(catalogue) == keys, lang
        assert all(isinstance(v, str) and v.strip() for v in catalogue.values()), lang
        for key, text in catalogue.items():  # placeholders survive translation
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", catalogues["en"][key])), (lang, key)


def test_every_key_the_app_uses_is_translated() -> None:
    keys = set(json.loads((PWA / "i18n" / "rw.json").read_text()))
    used: set[str] = set()
    for js in (PWA / "js").rglob("*.js"):
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_.]+)'", js.read_text()))
    used |= set(re.findall(r'data-i18n="([^"]+)"', (PWA / "index.html").read_text()))
    assert used and not (used - keys), sorted(used - keys)
    dynamic = {"tx.kind.contribution", "loan.status.submitted", "installment.paid"}
    assert dynamic <= keys


def test_no_inline_script_or_style_anywhere() -> None:
    """The CSP allows scripts and styles from 'self' only."""
    html = (PWA / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for js in (PWA / "js").rglob("*.js"):
        text = js.read_text()
        assert "innerHTML" not in text and "eval(" not in text and "new Function" not in text, js
        assert "setAttribute('style'" not in text and "'style'" not in text, js


def test_the_page_links_the_manifest_and_registers_the_worker() -> None:
    html = (PWA / "index.html").read_text()
    assert '<link rel="manifest" href="manifest.webmanifest">' in html
    assert 'name="viewport"' in html and "width=device-width" in html
    assert "navigator.serviceWorker.register" in (PWA / "js" / "main.js").read_text()


def test_manifest_and_icons() -> None:
    manifest = json.loads((PWA / "manifest.webmanifest").read_text())
    assert manifest["start_url"].startswith("/app/") and manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "rw"
    purposes = set()
    for icon in manifest["icons"]:
        path = PWA / icon["src"]
        assert path.is_file(), icon
        if icon["type"] == "image/png":
            with Image.open(path) as img:
                assert f"{img.width}x{img.height}" == icon["sizes"], icon
        purposes.add(icon["purpose"])
    assert {"any", "maskable"} <= purposes
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
