"""Reports: collections by group and month, the loan portfolio, CSV exports, PDF statements and group reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from admin_web.auth import console_db, require
from admin_web.render import render
from admin_web.scoped import optional_int, organization_id, path_id
from core.errors import NotFound
from core.identity.permissions import Permission
from core.ledger.balances import member_balances
from core.ledger.statements import statement
from core.members.search import get_group, get_member
from core.organizations.models import Organization
from core.reports.collections import (
    bounds,
    collections_by_group_month,
    group_balances,
    loan_portfolio,
    period,
    to_csv,
)
from core.reports.pdf import GroupReportDoc, StatementDoc, group_report_pdf, member_statement_pdf

routes = web.RouteTableDef()


def _period(request: web.Request) -> tuple[datetime, datetime]:
    today = datetime.now(UTC).date()
    lo, hi = period(
        request.query.get("start"),
        request.query.get("end"),
        default_start=today.replace(day=1) - timedelta(days=365),
    )
    return datetime.combine(lo, datetime.min.time()), datetime.combine(hi, datetime.min.time())


def _attachment(body: bytes | str, filename: str, content_type: str) -> web.Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return web.Response(
        body=data,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@routes.get("/reports")
@require(Permission.REPORTS_VIEW)
async def reports(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    lo, hi = _period(request)
    async with console_db(request) as session:
        rows = await collections_by_group_month(session, org, start=lo.date(), end=hi.date())
        portfolio = await loan_portfolio(session, org)
    return render(
        request,
        "reports.html",
        {
            "rows": rows,
            "portfolio": portfolio,
            "start": lo.date(),
            "end": hi.date(),
            "total": sum(r.amount for r in rows),
        },
    )


@routes.get("/reports/collections.csv")
@require(Permission.REPORTS_VIEW)
async def collections_csv(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    lo, hi = _period(request)
    async with console_db(request) as session:
        rows = await collections_by_group_month(session, org, start=lo.date(), end=hi.date())
    body = to_csv(
        ["month", "group_code", "group_name", "amount", "entries"],
        ([r.month.strftime("%Y-%m"), r.group_code, r.group_name, r.amount, r.entries] for r in rows),
    )
    return _attachment(body, f"collections-{lo.date()}-{hi.date()}.csv", "text/csv")


@routes.get("/reports/portfolio.csv")
@require(Permission.REPORTS_VIEW)
async def portfolio_csv(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        lines = await loan_portfolio(session, organization_id(request))
    body = to_csv(
        ["status", "loans", "amount", "currency"], ([p.status, p.loans, p.amount, p.currency] for p in lines)
    )
    return _attachment(body, "loan-portfolio.csv", "text/csv")


@routes.get("/members/{member_id}/statement.pdf", allow_head=False)
@require(Permission.REPORTS_VIEW)
async def statement_pdf(request: web.Request) -> web.StreamResponse:
    org, member_id = organization_id(request), path_id(request, "member_id")
    lo, hi = _period(request)
    start, end = bounds(lo.date(), hi.date())
    group_id = optional_int(request.query.get("group"), "group")
    async with console_db(request) as session:
        member = await get_member(session, org, member_id)
        organization = await session.get(Organization, org)
        accounts = [b for b in await member_balances(session, org, member_id) if b.account_id is not None]
        chosen = next((b for b in accounts if group_id is None or b.group_id == group_id), None)
        if chosen is None or chosen.account_id is None:
            raise NotFound("this member has no savings in that group yet")
        st = await statement(session, org, chosen.account_id, start=start, end=end, limit=500)
    doc = StatementDoc(
        organization.name if organization else "",
        member.full_name,
        member.phone,
        f"{chosen.group_code} · {chosen.group_name}",
        lo.date(),
        hi.date(),
        st,
    )
    return _attachment(member_statement_pdf(doc), f"statement-{member_id}-{lo.date()}.pdf", "application/pdf")


@routes.get("/groups/{group_id}/report.pdf", allow_head=False)
@require(Permission.REPORTS_VIEW)
async def group_pdf(request: web.Request) -> web.StreamResponse:
    org, group_id = organization_id(request), path_id(request, "group_id")
    lo, hi = _period(request)
    async with console_db(request) as session:
        group = await get_group(session, org, group_id)
        organization = await session.get(Organization, org)
        months = [
            r
            for r in await collections_by_group_month(session, org, start=lo.date(), end=hi.date())
            if r.group_id == group_id
        ]
        members = await group_balances(session, org, group_id)
    doc = GroupReportDoc(
        organization.name if organization else "",
        f"{group.code} · {group.name}",
        lo.date(),
        hi.date(),
        organization.currency if organization else "RWF",
        [(name, bal) for _, name, bal in members],
        [(r.month, r.amount) for r in months],
    )
    return _attachment(group_report_pdf(doc), f"group-{group.code}-{lo.date()}.pdf", "application/pdf")
