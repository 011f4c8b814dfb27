"""Creating a savings group from the console (managers): code, name, contribution and meeting day."""

from __future__ import annotations

from aiohttp import web

from admin_web.auth import console_db, current_staff, require
from admin_web.render import render
from admin_web.scoped import optional_int, organization_id
from core.errors import Conflict, InvalidInput
from core.identity.permissions import Permission
from core.members.models import Frequency
from core.members.search import list_groups
from core.members.service import create_group

routes = web.RouteTableDef()
FREQUENCIES = tuple(f.value for f in Frequency)
FIELDS = ("code", "name", "contribution_amount", "contribution_frequency", "meeting_day")


@routes.get("/groups/new")
@require(Permission.GROUPS_MANAGE)
async def new_group(request: web.Request) -> web.StreamResponse:
    return render(request, "group_new.html", {"form": {}, "frequencies": FREQUENCIES, "error": None})


@routes.post("/groups/new")
@require(Permission.GROUPS_MANAGE)
async def create(request: web.Request) -> web.StreamResponse:
    org = organization_id(request)
    posted = await request.post()
    form = {k: str(posted.get(k, "") or "").strip() for k in FIELDS}
    try:
        code = "".join(form["code"].split()).upper()
        if not code or len(code) > 32 or not form["name"]:
            raise InvalidInput("a group needs a code (up to 32 characters) and a name")
        if form["contribution_frequency"] not in FREQUENCIES:
            raise InvalidInput("choose how often members contribute")
        day = optional_int(form["meeting_day"], "meeting day")
        if day is not None and not 1 <= day <= 7:
            raise InvalidInput("the meeting day is 1 (Monday) to 7 (Sunday)")
        async with console_db(request) as session:
            if any(g.code == code for g in await list_groups(session, org)):
                raise Conflict(f"a group with code {code} exists")
            group = await create_group(
                session,
                organization_id=org,
                code=code,
                name=form["name"],
                contribution_amount=optional_int(form["contribution_amount"], "contribution") or 0,
                contribution_frequency=form["contribution_frequency"],
                meeting_day=day,
                actor=current_staff(request).actor,
            )
            group_id = group.id
    except (InvalidInput, Conflict) as exc:
        context = {"form": form, "frequencies": FREQUENCIES, "error": exc.message}
        return render(request, "group_new.html", context, status=422)
    raise web.HTTPSeeOther(f"/console/groups/{group_id}")
