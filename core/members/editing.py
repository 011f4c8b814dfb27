"""Editing a member from the console: names, phone, language, status and national ID, audited field by field."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.crypto.pii import PiiCipher
from core.errors import Conflict, InvalidInput, NotFound
from core.members.models import Member, MemberStatus
from core.members.service import LANGUAGES, national_id_context, normalise_national_id
from core.phones import normalise_phone


@dataclass(frozen=True, slots=True)
class MemberChanges:
    first_name: str
    last_name: str
    phone: str
    language: str
    status: str
    national_id: str | None = None  # None: leave as is; "" clears it


async def update_member(
    session: AsyncSession,
    organization_id: int,
    member_id: int,
    changes: MemberChanges,
    *,
    actor: Actor,
    pii: PiiCipher,
) -> Member:
    """Apply the changes; the audit row names the fields changed (never the national ID itself).

    Raises NotFound (not this organization's), InvalidInput (names, phone, language, status, national ID),
    Conflict (another member has the phone).
    """
    member = await session.get(Member, member_id, with_for_update=True)
    if member is None or member.organization_id != organization_id:
        raise NotFound(f"member {member_id} does not exist here")
    first, last = changes.first_name.strip(), changes.last_name.strip()
    if not first or not last:
        raise InvalidInput("first and last name are needed")
    if changes.language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    if changes.status not in {s.value for s in MemberStatus}:
        raise InvalidInput("unknown member status")
    phone = normalise_phone(changes.phone)
    if phone != member.phone:
        taken = await session.execute(
            select(Member.id).where(Member.organization_id == organization_id, Member.phone == phone)
        )
        if taken.first() is not None:
            raise Conflict(f"a member with phone {phone} exists")
    changed: list[str] = []
    for name, value in (
        ("first_name", first),
        ("last_name", last),
        ("phone", phone),
        ("language", changes.language),
        ("status", changes.status),
    ):
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    if changes.national_id is not None:
        context = national_id_context(organization_id)
        if changes.national_id.strip():
            clean = normalise_national_id(changes.national_id)
            member.national_id_encrypted = pii.encrypt(clean, context=context)
            member.national_id_index = pii.blind_index(clean, context=context)
        else:
            member.national_id_encrypted = member.national_id_index = None
        changed.append("national_id")
    if changed:
        await session.flush()
        await record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="member.updated",
            object_type="member",
            object_id=member.id,
            details={"fields": changed},
        )
    return member
