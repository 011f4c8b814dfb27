"""Members and groups: search by name, phone or code; a member's money, codes, loans; create; group pages."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.context import deps
from admin_web.render import render
from admin_web.scoped import optional_int, organization_id, path_id
from core.errors import Conflict, InvalidInput
from core.identity.permissions import Permission, allowed
from core.ledger.balances import member_balances
from core.ledger.statements import member_recent_transactions
from core.loans.service import member_applications
from core.members.editing import MemberChanges, update_member
from core.members.models import MemberStatus
from core.members.search import get_group, get_member, group_members, list_groups, search_members
from core.members.service import add_to_group, create_member, national_id_of
from core.payments.member_codes import codes_for_member
from core.reports.member_context import member_conversation

routes = web.RouteTableDef()
STATUSES = tuple(s.value for s in MemberStatus)


@routes.get("/members")
@require(Permission.MEMBERS_VIEW)
async def members(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    q = request.query.get("q", "")
    async with console_db(request) as session:
        hits = await search_members(session, org, q)
    return render(
        request,
        "members.html",
        {"hits": hits, "q": q, "can_manage": allowed(current_staff(request).role, Permission.MEMBERS_MANAGE)},
    )


@routes.get("/members/new")
@require(Permission.MEMBERS_MANAGE)
async def new_member(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        groups = await list_groups(session, organization_id(request))
    return render(request, "member_new.html", {"groups": groups, "form": {}, "error": None})


@routes.post("/members/new")
@require(Permission.MEMBERS_MANAGE)
async def create(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    form = await request.post()
    values = {
        k: str(form.get(k, "") or "").strip()
        for k in ("first_name", "last_name", "phone", "national_id", "language", "group_id")
    }
    try:
        async with console_db(request) as session:
            if not values["first_name"] or not values["last_name"]:
                raise InvalidInput("first and last name are needed")
            member = await create_member(
                session,
                organization_id=org,
                phone=values["phone"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                language=values["language"] or "rw",
                national_id=values["national_id"] or None,
                pii=deps(request).pii,
                actor=current_staff(request).actor,
            )
            group_id = optional_int(values["group_id"], "group")
            if group_id is not None:
                group = await get_group(session, org, group_id)
                await add_to_group(session, member=member, group=group, actor=current_staff(request).actor)
            member_id = member.id
    except InvalidInput as exc:
        async with console_db(request) as session:
            groups = await list_groups(session, org)
        return render(
            request, "member_new.html", {"groups": groups, "form": values, "error": exc.message}, status=422
        )
    raise web.HTTPSeeOther(f"/console/members/{member_id}")


@routes.get("/members/{member_id}", allow_head=False)
@require(Permission.MEMBERS_VIEW)
async def member_page(request: web.Request) -> web.StreamResponse:
    org, member_id = organization_id(request), path_id(request, "member_id")
    principal = current_staff(request)
    async with console_db(request) as session:
        member = await get_member(session, org, member_id)
        balances = await member_balances(session, org, member_id)
        codes = await codes_for_member(session, org, member_id)
        postings = await member_recent_transactions(session, org, member_id, limit=20)
        loans = await member_applications(session, org, member_id, limit=10)
        talk = await member_conversation(session, org, member_id)
        national_id = (
            national_id_of(member, deps(request).pii)
            if allowed(principal.role, Permission.MEMBERS_VIEW_PII)
            else None
        )
    return render(
        request,
        "member.html",
        {
            "member": member,
            "balances": balances,
            "total": sum(b.balance.amount for b in balances),
            "codes": codes,
            "postings": postings,
            "loans": loans,
            "talk": talk,
            "national_id": national_id,
            "has_national_id": member.national_id_encrypted is not None,
            "can_report": allowed(principal.role, Permission.REPORTS_VIEW),
            "can_manage": allowed(principal.role, Permission.MEMBERS_MANAGE),
        },
    )


@routes.get("/groups")
@require(Permission.MEMBERS_VIEW)
async def groups(request: web.Request) -> web.StreamResponse:
    async with console_db(request) as session:
        rows = await list_groups(session, organization_id(request))
    can_manage = allowed(current_staff(request).role, Permission.GROUPS_MANAGE)
    return render(request, "groups.html", {"groups": rows, "can_manage": can_manage})


@routes.get("/groups/{group_id}", allow_head=False)
@require(Permission.MEMBERS_VIEW)
async def group_page(request: web.Request) -> web.StreamResponse:
    org, group_id = organization_id(request), path_id(request, "group_id")
    async with console_db(request) as session:
        group = await get_group(session, org, group_id)
        people = await group_members(session, org, group_id)
    return render(request, "group.html", {"group": group, "people": people})


@routes.get("/members/{member_id}/edit", allow_head=False)
@require(Permission.MEMBERS_MANAGE)
async def edit_form(request: web.Request) -> web.StreamResponse:
    org, member_id = organization_id(request), path_id(request, "member_id")
    async with console_db(request) as session:
        member = await get_member(session, org, member_id)
        form = {
            k: str(getattr(member, k)) for k in ("first_name", "last_name", "phone", "language", "status")
        }
    return render(
        request,
        "member_edit.html",
        {"member_id": member_id, "form": form, "statuses": STATUSES, "error": None},
    )


@routes.post("/members/{member_id}/edit")
@require(Permission.MEMBERS_MANAGE)
async def edit(request: web.Request) -> web.StreamResponse:
    org, member_id = organization_id(request), path_id(request, "member_id")
    posted = await request.post()
    form = {
        k: str(posted.get(k, "") or "").strip()
        for k in ("first_name", "last_name", "phone", "language", "status")
    }
    national_id = str(posted.get("national_id", "") or "").strip() or None
    try:
        async with console_db(request) as session:
            await get_member(session, org, member_id)  # the tenant wall before anything is read from the form
            await update_member(
                session,
                org,
                member_id,
                MemberChanges(**form, national_id=national_id),
                actor=current_staff(request).actor,
                pii=deps(request).pii,
            )
    except (InvalidInput, Conflict) as exc:
        context = {"member_id": member_id, "form": form, "statuses": STATUSES, "error": exc.message}
        return render(request, "member_edit.html", context, status=422)
    raise web.HTTPSeeOther(f"/console/members/{member_id}")
