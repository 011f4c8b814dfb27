"""The PWA shell under /app/: static files from mobile/pwa, and sw.js stamped with the shell's content hash."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from aiohttp import web

PWA_DIR = Path(__file__).resolve().parent / "pwa"
PREFIX = "/app/"
VERSION_MARK = "__SHELL_VERSION__"
TYPES = {
    ".webmanifest": "application/manifest+json",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html",
    ".png": "image/png",
}


def shell_version(root: Path = PWA_DIR) -> str:
    """A hash over every shell file (names and bytes): it changes whenever the shell does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _resolve(root: Path, tail: str) -> Path | None:
    """The file under root for a URL tail, never outside it (no '..', no hidden files)."""
    if not tail or tail.endswith("/"):
        tail += "index.html"
    parts = tail.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    path = (root / tail).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


class Shell:
    def __init__(self, root: Path = PWA_DIR) -> None:
        self.root = root.resolve()
        self.version = shell_version(self.root)
        self.worker = (self.root / "sw.js").read_text(encoding="utf-8").replace(VERSION_MARK, self.version)

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(PREFIX)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        if tail == "sw.js":
            return web.Response(
                text=self.worker,
                content_type="text/javascript",
                headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": PREFIX},
            )
        path = _resolve(self.root, tail)
        if path is None:
            raise web.HTTPNotFound()
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = web.FileResponse(path, headers={"Cache-Control": "no-cache", "Content-Type": kind})
        return response


def setup_shell(app: web.Application, root: Path = PWA_DIR) -> Shell:
    shell = Shell(root)
    app.router.add_get(PREFIX.rstrip("/"), shell.redirect)
    app.router.add_get(PREFIX + "{tail:.*}", shell.serve)
    return shell
