"""A message to an agent (POST /me/support) and my statement PDF (GET /me/statement.pdf)."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from core.errors import InvalidInput
from core.messaging.identities import preferred_route
from mobile.api.members import current_member
from mobile.api.problems import ApiProblem
from mobile.api.registry import Call, Routes
from mobile.api.schemas.support import StatementQuery, SupportMessage, SupportTicket
from mobile.api.support import member_support_message

try:  # PENDING: statements as PDF come with the reports issue (reportlab)
    from core.reports.statements import member_statement_pdf
except ImportError:
    member_statement_pdf = None

ROUTES = Routes("support")
STATEMENT_DAYS = 90
MAX_STATEMENT_DAYS = 366


@ROUTES.operation(
    "POST", "/me/support", summary="Send a message to an agent", body=SupportMessage, response=SupportTicket,
    status=202,
)
async def send_support_message(call: Call) -> SupportTicket:
    """Opens a hand-off in the SACCO's support inbox (or adds to the open one); the agent's answer comes on
    the member's reachable channel (WhatsApp, Telegram or SMS)."""
    text = call.body_as(SupportMessage).message
    async with call.tenant() as session:
        phone = (await current_member(session, call.member)).phone
    async with call.deps.db.system() as session:  # channel identities are platform rows, not a SACCO's
        route = await preferred_route(session, phone)
    async with call.tenant() as session:
        member = await current_member(session, call.member)
        handoff = await member_support_message(session, member=member, text=text, reply_channel=route.channel)
        return SupportTicket(id=handoff.id, status=handoff.status, reply_channel=handoff.channel)


@ROUTES.operation(
    "GET", "/me/statement.pdf", summary="My statement as a PDF", query=StatementQuery, media_type="application/pdf",
    errors=(501,),
)
async def get_statement(call: Call) -> web.StreamResponse:
    """Default: the last 90 days; at most a year. 501 `statements_unavailable` until reports are installed."""
    query = call.query_as(StatementQuery)
    end = query.end or date.today()
    start = query.start or end - timedelta(days=STATEMENT_DAYS)
    if start > end or (end - start).days > MAX_STATEMENT_DAYS:
        raise InvalidInput(f"start must be before end, at most {MAX_STATEMENT_DAYS} days apart")
    if member_statement_pdf is None:
        raise ApiProblem(501, "statements_unavailable", "Statements are not available on this server yet.")
    claims = call.member
    async with call.tenant() as session:
        pdf: bytes = await member_statement_pdf(
            session, organization_id=claims.organization_id, member_id=claims.member_id, start=start, end=end
        )
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="statement-{start}-{end}.pdf"',
            "Cache-Control": "no-store",
        },
    )
