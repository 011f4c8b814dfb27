"""Groups, members and memberships: creation, lookup by phone, officer roles."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.crypto.pii import PiiCipher
from core.errors import Conflict, InvalidInput
from core.members.models import Group, GroupMembership, Member, MembershipRole
from core.payments.member_codes import assign_code
from core.phones import normalise_phone

LANGUAGES = ("rw", "en", "fr")


async def create_group(
    session: AsyncSession,
    *,
    organization_id: int,
    code: str,
    name: str,
    contribution_amount: int,
    contribution_frequency: str,
    meeting_day: int | None,
    actor: Actor,
    uses_social_fund: bool = False,
) -> Group:
    if contribution_amount < 0:
        raise InvalidInput("the contribution amount cannot be negative")
    group = Group(
        organization_id=organization_id,
        code=code.upper(),
        name=name,
        contribution_amount=contribution_amount,
        contribution_frequency=contribution_frequency,
        meeting_day=meeting_day,
        uses_social_fund=uses_social_fund,
    )
    session.add(group)
    await session.flush()
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="group.created",
        object_type="group",
        object_id=group.id,
        details={"code": group.code, "name": name, "contribution_amount": contribution_amount},
    )
    return group


async def create_member(
    session: AsyncSession,
    *,
    organization_id: int,
    phone: str,
    first_name: str,
    last_name: str,
    actor: Actor,
    language: str = "rw",
    national_id: str | None = None,
    joined_on: date | None = None,
    pii: PiiCipher | None = None,
) -> Member:
    """Create a member; the phone is normalised to E.164 and must be unique within the organization.

    A national ID is stored only encrypted (with a blind index for search), so it needs the PII cipher;
    raises InvalidInput for a malformed phone, language or national ID, Conflict for a taken phone.
    """
    e164 = normalise_phone(phone)
    encrypted_id = index = None
    if national_id is not None:
        if pii is None:
            raise ValueError("create_member needs the PII cipher to store a national ID")
        clean = normalise_national_id(national_id)
        encrypted_id = pii.encrypt(clean, context=national_id_context(organization_id))
        index = pii.blind_index(clean, context=national_id_context(organization_id))
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    existing = await session.execute(
        select(Member.id).where(Member.organization_id == organization_id, Member.phone == e164)
    )
    if existing.first() is not None:
        raise Conflict(f"a member with phone {e164} exists")
    member = Member(
        organization_id=organization_id,
        phone=e164,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=language,
        national_id_encrypted=encrypted_id,
        national_id_index=index,
        joined_on=joined_on,
    )
    session.add(member)
    await session.flush()
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="member.created",
        object_type="member",
        object_id=member.id,
        details={"phone": e164},
    )
    return member


async def add_to_group(
    session: AsyncSession,
    *,
    member: Member,
    group: Group,
    actor: Actor,
    role: MembershipRole = MembershipRole.MEMBER,
    joined_on: date | None = None,
) -> GroupMembership:
    if member.organization_id != group.organization_id:
        raise InvalidInput("a member can only join a group of their own organization")
    membership = GroupMembership(
        organization_id=group.organization_id,
        group_id=group.id,
        member_id=member.id,
        role=role,
        joined_on=joined_on,
    )
    session.add(membership)
    await session.flush()
    await assign_code(session, organization_id=group.organization_id, member_id=member.id, group_id=group.id)
    await record(
        session,
        organization_id=group.organization_id,
        actor=actor,
        action="group.member_added",
        object_type="group",
        object_id=group.id,
        details={"member_id": member.id, "role": str(role)},
    )
    return membership


async def members_by_phone(session: AsyncSession, phone: str) -> list[Member]:
    """Every membership record for this phone visible in the session's scope (one per organization)."""
    e164 = normalise_phone(phone)
    rows = await session.execute(select(Member).where(Member.phone == e164).order_by(Member.id))
    return list(rows.scalars())


async def groups_of_member(session: AsyncSession, member_id: int) -> list[tuple[Group, GroupMembership]]:
    rows = await session.execute(
        select(Group, GroupMembership)
        .join(GroupMembership, GroupMembership.group_id == Group.id)
        .where(GroupMembership.member_id == member_id, GroupMembership.left_on.is_(None))
        .order_by(Group.code)
    )
    return [(g, m) for g, m in rows.all()]


def national_id_context(organization_id: int) -> str:
    """Binds a national ID's ciphertext and blind index to its organization (no cross-tenant matching)."""
    return f"members.national_id:{organization_id}"


def normalise_national_id(raw: str) -> str:
    """Rwandan national IDs are 16 digits; spaces and dashes people type are dropped."""
    digits = "".join(ch for ch in raw if not ch.isspace() and ch != "-")
    if not (digits.isdecimal() and len(digits) == 16):
        raise InvalidInput("a national ID number has 16 digits")
    return digits


def national_id_of(member: Member, pii: PiiCipher) -> str | None:
    """The decrypted national ID (show it only to staff allowed members.view_pii)."""
    if member.national_id_encrypted is None:
        return None
    return pii.decrypt(member.national_id_encrypted, context=national_id_context(member.organization_id))


async def members_by_national_id(
    session: AsyncSession, pii: PiiCipher, *, organization_id: int, national_id: str
) -> list[Member]:
    """Find members by national ID through the blind index (matches rows written under any held key)."""
    indexes = pii.blind_indexes(normalise_national_id(national_id), context=national_id_context(organization_id))
    rows = await session.execute(
        select(Member)
        .where(Member.organization_id == organization_id, Member.national_id_index.in_(indexes))
        .order_by(Member.id)
    )
    return list(rows.scalars())
