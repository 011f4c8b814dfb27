"""Join requests: an unknown number leaves a name and group code; the group's SACCO staff approve or reject."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import Conflict, InvalidInput, NotFound
from core.join_requests.models import JoinRequest, JoinRequestStatus
from core.members.models import Group, Member
from core.members.service import add_to_group, create_member
from core.organizations.models import Organization

MAX_NAME = 200
MAX_CODE = 32


@dataclass(frozen=True, slots=True)
class GroupMatch:
    """A group a code names, with its SACCO: what the person is told they are asking to join."""

    organization_id: int
    organization_name: str
    group_id: int
    group_name: str
    code: str


def clean_group_code(raw: str) -> str:
    return "".join(raw.split()).upper()[:MAX_CODE]


def clean_full_name(raw: str) -> str:
    """Raises InvalidInput when the text cannot be a person's name (too short, digits only)."""
    name = " ".join(raw.split())[:MAX_NAME]
    letters = sum(ch.isalpha() for ch in name)
    if letters < 2:
        raise InvalidInput("a name needs letters")
    return name


async def find_group_by_code(session: AsyncSession, code: str) -> GroupMatch | None:
    """The active group with this code; None when no SACCO has it or several do (staff route those).

    Runs before the person belongs to any SACCO, so the caller's scope must see every organization.
    """
    rows = await session.execute(
        select(Group, Organization)
        .join(Organization, Organization.id == Group.organization_id)
        .where(func.upper(Group.code) == clean_group_code(code), Group.status == "active")
        .limit(2)
    )
    found = rows.all()
    if len(found) != 1:
        return None
    group, org = found[0]
    return GroupMatch(org.id, org.name, group.id, group.name, group.code)


async def submit_join_request(
    session: AsyncSession,
    *,
    phone: str,
    full_name: str,
    group_code: str,
    channel: str,
    language: str,
) -> JoinRequest:
    """Store a request for staff; a second one from the same phone for the same code returns the first.

    Raises InvalidInput on a name without letters or an empty code.
    """
    name = clean_full_name(full_name)
    code = clean_group_code(group_code)
    if not code:
        raise InvalidInput("a group code is needed")
    pending = await session.execute(
        select(JoinRequest).where(
            JoinRequest.phone == phone,
            JoinRequest.group_code == code,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )
    if (existing := pending.scalars().first()) is not None:
        return existing
    match = await find_group_by_code(session, code)
    request = JoinRequest(
        organization_id=match.organization_id if match else None,
        phone=phone,
        full_name=name,
        group_code=code,
        group_id=match.group_id if match else None,
        channel=channel,
        language=language,
        status=JoinRequestStatus.PENDING,
    )
    session.add(request)
    await session.flush()
    await record(
        session,
        organization_id=request.organization_id,
        actor=Actor.system("bot"),
        action="join_request.submitted",
        object_type="join_request",
        object_id=request.id,
        details={"group_code": code, "channel": channel},
    )
    return request


async def list_join_requests(
    session: AsyncSession, organization_id: int, *, status: JoinRequestStatus = JoinRequestStatus.PENDING
) -> list[JoinRequest]:
    """The organization's requests with this status, oldest first."""
    rows = await session.execute(
        select(JoinRequest)
        .where(JoinRequest.organization_id == organization_id, JoinRequest.status == status)
        .order_by(JoinRequest.created_at, JoinRequest.id)
    )
    return list(rows.scalars())


async def _pending(session: AsyncSession, organization_id: int, request_id: int) -> JoinRequest:
    request = await session.get(JoinRequest, request_id, with_for_update=True)
    if request is None or request.organization_id != organization_id:
        raise NotFound(f"no join request {request_id}")
    if request.status != JoinRequestStatus.PENDING:
        raise Conflict(f"join request {request_id} is already {request.status}")
    return request


async def approve_join_request(
    session: AsyncSession, organization_id: int, request_id: int, *, actor: Actor, staff_user_id: int | None = None
) -> Member:
    """Create the member (and their group membership) from the request.

    Raises NotFound, Conflict when already reviewed or the phone is already a member.
    """
    request = await _pending(session, organization_id, request_id)
    first, _, last = request.full_name.partition(" ")
    member = await create_member(
        session,
        organization_id=organization_id,
        phone=request.phone,
        first_name=first,
        last_name=last,
        language=request.language,
        actor=actor,
    )
    if request.group_id is not None:
        group = await session.get(Group, request.group_id)
        if group is not None:
            await add_to_group(session, member=member, group=group, actor=actor)
    _reviewed(request, JoinRequestStatus.APPROVED, staff_user_id)
    request.member_id = member.id
    await record(
        session, organization_id=organization_id, actor=actor, action="join_request.approved",
        object_type="join_request", object_id=request.id, details={"member_id": member.id},
    )
    return member


async def reject_join_request(
    session: AsyncSession,
    organization_id: int,
    request_id: int,
    *,
    actor: Actor,
    note: str | None = None,
    staff_user_id: int | None = None,
) -> JoinRequest:
    """Close the request without creating a member; raises NotFound or Conflict."""
    request = await _pending(session, organization_id, request_id)
    _reviewed(request, JoinRequestStatus.REJECTED, staff_user_id)
    request.note = note
    await record(
        session, organization_id=organization_id, actor=actor, action="join_request.rejected",
        object_type="join_request", object_id=request.id, details={"note": note or ""},
    )
    return request


def _reviewed(request: JoinRequest, status: JoinRequestStatus, staff_user_id: int | None) -> None:
    request.status = status
    request.reviewed_at = datetime.now(UTC)
    request.reviewed_by_staff_id = staff_user_id
