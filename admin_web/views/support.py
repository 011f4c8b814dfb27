"""The support inbox: hand-offs from the bot, the transcript with the member's money, reply, hand back."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.context import deps
from admin_web.render import render
from admin_web.scoped import organization_id, path_id
from core.conversations.agent_replies import send_agent_reply
from core.conversations.handoffs import close_handoff, get_handoff, handoff_transcript, list_open_handoffs
from core.identity.permissions import Permission, allowed
from core.members.search import get_member
from core.reports.member_context import money_context

routes = web.RouteTableDef()


@routes.get("/support")
@require(Permission.MESSAGES_VIEW)
async def inbox(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        waiting = await list_open_handoffs(session, organization_id(request))
    return render(request, "support.html", {"waiting": waiting})


@routes.get("/support/{handoff_id}", allow_head=False)
@require(Permission.MESSAGES_VIEW)
async def conversation(request: web.Request) -> web.StreamResponse:
    org, handoff_id = organization_id(request), path_id(request, "handoff_id")
    async with console_db(request) as session:
        handoff = await get_handoff(session, org, handoff_id)
        lines = await handoff_transcript(session, org, handoff_id)
        member = context = None
        if handoff.member_id is not None:
            member = await get_member(session, org, handoff.member_id)
            context = await money_context(session, org, member)
    return render(
        request,
        "support_conversation.html",
        {
            "handoff": handoff,
            "lines": lines,
            "member": member,
            "context": context,
            "can_send": allowed(current_staff(request).role, Permission.MESSAGES_SEND),
            "sent": request.query.get("sent", ""),
        },
    )


@routes.post("/support/{handoff_id}/reply")
@require(Permission.MESSAGES_SEND)
async def reply(request: web.Request) -> web.StreamResponse:
    org, handoff_id = organization_id(request), path_id(request, "handoff_id")
    form = await request.post()
    principal = current_staff(request)
    await send_agent_reply(
        deps(request).db,
        org,
        handoff_id,
        staff_user_id=principal.staff_user_id,
        text=str(form.get("text", "")),
    )
    raise web.HTTPSeeOther(f"/console/support/{handoff_id}?sent=1")


@routes.post("/support/{handoff_id}/close")
@require(Permission.MESSAGES_SEND)
async def close(request: web.Request) -> web.StreamResponse:
    org, handoff_id = organization_id(request), path_id(request, "handoff_id")
    principal = current_staff(request)
    async with console_db(request) as session:
        await close_handoff(
            session, org, handoff_id, actor=principal.actor, staff_user_id=principal.staff_user_id
        )
    raise web.HTTPSeeOther("/console/support")
