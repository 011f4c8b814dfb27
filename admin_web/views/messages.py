"""Messages: what the bot, agents and reminders sent the organization's members, how each delivery stands,
and a failed one sent again. One-time codes show as sent, never as text."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.render import render
from admin_web.scoped import kept_query, optional_int, organization_id, path_id, request_id
from core.identity.permissions import Permission, allowed
from core.messaging.delivery_log import (
    CHANNELS,
    SOURCES,
    STATUSES,
    MessageFilter,
    carries_code,
    delivery_page,
    send_again,
    status_counts,
)
from core.phones import try_normalise_phone

routes = web.RouteTableDef()


@routes.get("/messages")
@require(Permission.MESSAGES_VIEW)
async def messages(request: web.Request) -> web.StreamResponse:
    q = request.query
    recipient = q.get("recipient", "").strip()[:64]
    f = MessageFilter(
        status=q.get("status", ""),
        channel=q.get("channel", ""),
        source=q.get("source", ""),
        recipient=(try_normalise_phone(recipient) or recipient) if recipient else "",
    )
    org = organization_id(request)
    async with console_db(request) as session:
        page = await delivery_page(session, org, f, before_id=optional_int(q.get("before"), "before"))
        counts = await status_counts(session, org)
    kept = kept_query(q, drop=("before", "resent"))
    return render(request, "messages.html", {
        "page": page, "f": f, "counts": counts, "kept": kept, "carries_code": carries_code,
        "statuses": STATUSES, "channels": CHANNELS, "sources": SOURCES,
        "can_send": allowed(current_staff(request).role, Permission.MESSAGES_SEND),
        "resent": optional_int(q.get("resent"), "resent"),
    })  # fmt: skip


@routes.post("/messages/{message_id}/send-again")
@require(Permission.MESSAGES_SEND)
async def send_message_again(request: web.Request) -> web.StreamResponse:
    org, message_id = organization_id(request), path_id(request, "message_id")
    principal = current_staff(request)
    async with console_db(request) as session:
        copy_id = await send_again(session, org, message_id, actor=principal.actor, request_id=request_id(request))
    raise web.HTTPSeeOther(f"/console/messages?resent={copy_id}")
