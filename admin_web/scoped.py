"""Helpers for console views working inside one organization: its id, form values, ids from the path."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from aiohttp import web

from admin_web.auth import current_staff
from core.errors import InvalidInput, NotFound


def organization_id(request: web.Request) -> int:
    """The acting organization; an unscoped platform admin is sent to pick one first."""
    org = current_staff(request).organization_id
    if org is None:
        raise web.HTTPSeeOther("/console/scope")
    return org


def path_id(request: web.Request, name: str) -> int:
    """A numeric id from the path; anything else is a missing object (404)."""
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("There is no such page.")
    return int(raw)


def optional_int(value: object, what: str) -> int | None:
    text = str(value or "").strip().replace(",", "").replace(" ", "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput(f"{what} must be a whole number")
    return int(text)


def request_id(request: web.Request) -> str | None:
    rid = request.get("request_id")
    return rid if isinstance(rid, str) else None


def kept_query(query: Mapping[str, str], *, drop: tuple[str, ...]) -> str:
    """The page's filters for its own links ("Older"), encoded (a phone's + must not become a space)."""
    return urlencode({k: v for k, v in query.items() if k not in drop and v})
