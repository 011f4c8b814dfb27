"""Operations (platform admins): how far the service is behind, across every organization. The webhook inbox
(acknowledged messages still to be worked, and those given up after repeated failures, with a retry) and the
outbox (replies waiting for delivery, failures of the last day). `ibimina inbox` shows the same."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import current_staff, require
from admin_web.context import deps
from admin_web.render import render
from admin_web.scoped import optional_int, request_id
from core.audit.service import record
from core.errors import InvalidInput, NotFound
from core.identity.permissions import Permission
from core.messaging.inbox import backlog, given_up, requeue
from core.messaging.outbox import relay_backlog

routes = web.RouteTableDef()


@routes.get("/operations")
@require(Permission.ORGANIZATIONS_MANAGE)
async def operations(request: web.Request) -> web.StreamResponse:
    db = deps(request).db
    inbox, stuck = await backlog(db), await given_up(db, limit=100)
    async with db.system() as session:
        relay = await relay_backlog(session)
    return render(request, "operations.html", {
        "inbox": inbox, "given_up": stuck, "relay": relay,
        "requeued": optional_int(request.query.get("requeued"), "requeued"),
    })  # fmt: skip


@routes.post("/operations/inbox/retry")
@require(Permission.ORGANIZATIONS_MANAGE)
async def retry_webhook(request: web.Request) -> web.StreamResponse:
    """Put a given-up webhook back (its cause fixed): the next process with room works it."""
    item_id = optional_int((await request.post()).get("item_id"), "item_id")
    if item_id is None:
        raise InvalidInput("item_id is required")
    db = deps(request).db
    if not await requeue(db, item_id):
        raise NotFound("There is no such given-up webhook.")
    async with db.system() as session:
        await record(session, organization_id=None, actor=current_staff(request).actor, action="webhook.requeued",
                     object_type="webhook_inbox", object_id=item_id, request_id=request_id(request))  # fmt: skip
    raise web.HTTPSeeOther(f"/console/operations?requeued={item_id}")
