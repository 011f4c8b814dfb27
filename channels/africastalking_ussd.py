"""Africa's Talking USSD gateway: form hop in, `CON `/`END ` text out, plus the end-of-session notification.

The mechanics (cumulative text, paging, resume, time budget) live in ussd/; a second gateway (Oltranz: JSON,
only the latest input, action CON/END) is one more file like this one calling the same engine with
`cumulative=False`.
"""

from __future__ import annotations

import logging

from aiohttp import web

from channels.base import refuse
from channels.source_allowlist import SourceAllowList
from core.phones import try_normalise_phone
from core.settings import Settings
from ussd.engine import UssdAnswer, UssdEngine, UssdHop

log = logging.getLogger("channels.africastalking")
PATH = "/channels/ussd/africastalking"
EVENTS_PATH = "/channels/ussd/africastalking/events"
ENGINE = web.AppKey("ussd_engine", UssdEngine)


def setup(app: web.Application, engine: UssdEngine, settings: Settings) -> None:
    app[ENGINE] = engine
    sources = SourceAllowList.parse(
        settings.africastalking_allowed_ips, settings.trusted_proxies, setting="AFRICASTALKING_ALLOWED_IPS"
    )
    app.router.add_post(PATH, sources.guard(hop))
    app.router.add_post(EVENTS_PATH, sources.guard(session_event))


def parse_hop(form: dict[str, str]) -> UssdHop | str:
    """The normalised hop, or the reason the request is malformed."""
    session_id, raw_phone = form.get("sessionId", "").strip(), form.get("phoneNumber", "").strip()
    if not session_id or not raw_phone:
        return "sessionId and phoneNumber are required"
    phone = try_normalise_phone(raw_phone)
    if phone is None:
        return "phoneNumber is not a phone number"
    return UssdHop(
        session_id=session_id[:128],
        phone=phone,
        text=form.get("text", "").strip(),
        cumulative=True,
        service_code=form.get("serviceCode", ""),
        network=form.get("networkCode", ""),
    )


def render_answer(answer: UssdAnswer) -> web.Response:
    return web.Response(text=("END " if answer.end else "CON ") + answer.text, content_type="text/plain")


async def _form(request: web.Request) -> dict[str, str] | None:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    try:
        posted = await request.post()
    except ValueError:
        return None
    return {k: v for k, v in posted.items() if isinstance(v, str)}


async def hop(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if form is None:
        return refuse(400, "expected a form with sessionId, phoneNumber and text", request)
    parsed = parse_hop(form)
    if isinstance(parsed, str):
        return refuse(400, parsed, request)
    return render_answer(await request.app[ENGINE].hop(parsed))


async def session_event(request: web.Request) -> web.StreamResponse:
    """End-of-session notification: status Success/Incomplete/Failed with hops, duration, last screen."""
    form = await _form(request)
    if form is None or not form.get("sessionId"):
        return refuse(400, "expected a form with sessionId and status", request)
    level = logging.INFO if form.get("status") == "Success" else logging.WARNING
    log.log(
        level,
        "ussd session %s ended: status=%s hops=%s duration_ms=%s network=%s error=%s last=%r",
        form.get("sessionId"),
        form.get("status"),
        form.get("hopsCount"),
        form.get("durationInMillis"),
        form.get("networkCode"),
        form.get("errorMessage") or "-",
        (form.get("lastAppResponse") or "")[:80],
    )
    return web.Response(text="OK")
