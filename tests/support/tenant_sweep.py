"""The tenant sweep's table: every route that takes an object id, with a way to plant such an object in
organization B. The sweep signs in as organization A and expects 404 (not 403, not B's data) for each.

Add a SweepCase here for every new console or API route with an id in its path; the sweep fails for a
console route that is missing. `as_` is "staff" (a manager of A, console cookie + CSRF) or "member"
(a member of A with a Bearer access token).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.db.database import Database
from core.identity.keys import IdentityKeys
from core.identity.models import StaffUser
from core.identity.trusted_devices import trust_device
from core.organizations.models import Organization
from tests.support.factories import make_staff

Plant = Callable[[Database, IdentityKeys, Organization], Awaitable[dict[str, Any]]]
Unchanged = Callable[[Database, dict[str, Any]], Awaitable[bool]]

# Path prefixes whose every id-taking route must have a case (add "/api/v1/" once its cases are in).
COVERED_PREFIXES = ("/console/",)


@dataclass(frozen=True)
class SweepCase:
    method: str
    path: str  # "{name}" placeholders are filled from what `plant` returns
    plant: Plant
    as_: str = "staff"
    form: dict[str, str] = field(default_factory=dict)
    unchanged: Unchanged | None = None  # optional: B's object must be as it was


async def _b_staff(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    user, _ = await make_staff(db, org, role="support_agent")
    return {"staff_id": user.id, "role": "support_agent"}


async def _b_staff_role_unchanged(db: Database, planted: dict[str, Any]) -> bool:
    async with db.system() as s:
        user = await s.get(StaffUser, planted["staff_id"])
        return user is not None and user.role == planted["role"]


async def _b_trusted_device(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    user, _ = await make_staff(db, org)
    async with db.system() as s:
        staff = await s.get(StaffUser, user.id)
        assert staff is not None
        await trust_device(s, keys, staff, label="B's laptop", now=datetime.now(UTC))
        from sqlalchemy import select

        from core.identity.staff_models import StaffTrustedDevice

        device_id = (
            await s.execute(select(StaffTrustedDevice.id).where(StaffTrustedDevice.staff_user_id == user.id))
        ).scalar_one()
    return {"device_id": device_id}


SWEEP_CASES: tuple[SweepCase, ...] = (
    SweepCase(
        "POST",
        "/console/staff/{staff_id}/role",
        _b_staff,
        form={"role": "manager"},
        unchanged=_b_staff_role_unchanged,
    ),
    SweepCase("POST", "/console/security/devices/{device_id}/revoke", _b_trusted_device),
)


# --- staff console (issue 9): exceptions, members, groups, statements ------------------------------------


async def _b_exception(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    """B's open exception (a payment with no reference), with its member and group."""
    from core.payments.exception_queue import list_exceptions
    from core.payments.reconcile import reconcile_messages
    from tests.support.factories import make_group, make_member
    from tests.support.momo import mtn_received, store

    group = await make_group(db, org)
    member = await make_member(db, org, group)
    await store(db, org.id, mtn_received(1500, "", name="Nobody Known", phone="*********999"))
    await reconcile_messages(db, org.id)
    page = await list_exceptions(db, org.id)
    return {"exception_id": page.items[0].id, "member_id": member.id, "group_id": group.id}


async def _b_exception_open(db: Database, planted: dict[str, Any]) -> bool:
    from core.payments.recon_models import PaymentException

    async with db.system() as s:
        exc = await s.get(PaymentException, planted["exception_id"])
        return exc is not None and exc.status == "open"


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("GET", "/console/exceptions/{exception_id}", _b_exception),
    SweepCase("POST", "/console/exceptions/{exception_id}/allocate", _b_exception, form={"payee": "#1"},
              unchanged=_b_exception_open),
    SweepCase("POST", "/console/exceptions/{exception_id}/refund", _b_exception, form={"note": "x"},
              unchanged=_b_exception_open),
    SweepCase("POST", "/console/exceptions/{exception_id}/ignore", _b_exception, form={"reason": "x"},
              unchanged=_b_exception_open),
    SweepCase("POST", "/console/exceptions/{exception_id}/undo", _b_exception, form={"reason": "x"},
              unchanged=_b_exception_open),
    SweepCase("GET", "/console/members/{member_id}", _b_exception),
    SweepCase("GET", "/console/groups/{group_id}", _b_exception),
)


async def plant_handoff(db: Database, org: Organization, *, text: str = "Where is my money?") -> dict[str, Any]:
    """A member of `org` who asked the bot for a person on WhatsApp: an open hand-off with one message."""
    from core.conversations.handoffs import open_handoff
    from core.conversations.models import Direction
    from core.conversations.state import load_conversation, remember_member
    from core.conversations.transcript import record_message
    from tests.support.factories import make_group, make_member

    group = await make_group(db, org)
    member = await make_member(db, org, group)
    async with db.system() as s:
        conv = await load_conversation(s, key=member.phone, phone=member.phone, channel="whatsapp")
        remember_member(conv, organization_id=org.id, member_id=member.id)
        await s.flush()
        handoff = await open_handoff(
            s, organization_id=org.id, conversation_id=conv.id, member_id=member.id, phone=member.phone,
            reason=text, channel="whatsapp", language="en",
        )
        await record_message(s, conv, direction=Direction.INBOUND, channel="whatsapp", text=text,
                              handoff_id=handoff.id)
    return {"handoff_id": handoff.id, "member_id": member.id, "phone": member.phone}


async def _b_handoff_open(db: Database, planted: dict[str, Any]) -> bool:
    from core.conversations.models import Handoff

    async with db.system() as s:
        handoff = await s.get(Handoff, planted["handoff_id"])
        return handoff is not None and handoff.status == "open"


async def _b_handoff(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    return await plant_handoff(db, org)


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("GET", "/console/support/{handoff_id}", _b_handoff),
    SweepCase("POST", "/console/support/{handoff_id}/reply", _b_handoff, form={"text": "hello"},
              unchanged=_b_handoff_open),
    SweepCase("POST", "/console/support/{handoff_id}/close", _b_handoff, unchanged=_b_handoff_open),
)


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("GET", "/console/members/{member_id}/statement.pdf", _b_exception),
    SweepCase("GET", "/console/groups/{group_id}/report.pdf", _b_exception),
)


async def plant_loan(db: Database, org: Organization, *, recorded_by_staff_id: int | None = None) -> dict[str, Any]:
    """A member with 40,000 saved who applied for 60,000 over 6 months (the default product: no guarantors)."""
    from core.loans.service import apply_for_loan
    from tests.support.factories import make_group, make_member, make_savings

    group = await make_group(db, org)
    member = await make_member(db, org, group)
    await make_savings(db, org, member, group, 40_000)
    async with db.tenant(org.id) as s:
        loan = await apply_for_loan(
            s, organization_id=org.id, member_id=member.id, amount=60_000, term_months=6, purpose="shop stock",
            channel="whatsapp", recorded_by_staff_id=recorded_by_staff_id,
        )
    return {"loan_id": loan.id, "member_id": member.id, "reference": loan.reference}


async def _b_loan(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    return await plant_loan(db, org)


async def _b_loan_submitted(db: Database, planted: dict[str, Any]) -> bool:
    from core.loans.models import LoanApplication

    async with db.system() as s:
        loan = await s.get(LoanApplication, planted["loan_id"])
        return loan is not None and loan.status == "submitted"


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("GET", "/console/loans/{loan_id}", _b_loan),
    SweepCase("POST", "/console/loans/{loan_id}/approve", _b_loan, unchanged=_b_loan_submitted),
    SweepCase("POST", "/console/loans/{loan_id}/reject", _b_loan, form={"reason": "x"}, unchanged=_b_loan_submitted),
    SweepCase("POST", "/console/loans/{loan_id}/disburse", _b_loan, form={"method": "cash"},
              unchanged=_b_loan_submitted),
    SweepCase("POST", "/console/loans/{loan_id}/write-off", _b_loan, form={"reason": "absconded"},
              unchanged=_b_loan_submitted),
)


async def plant_join_request(db: Database, org: Organization) -> dict[str, Any]:
    """Someone unknown asked the bot to join one of `org`'s groups."""
    from core.join_requests.service import submit_join_request
    from tests.support.factories import make_group, new_phone

    group = await make_group(db, org)
    async with db.system() as s:
        request = await submit_join_request(
            s, phone=new_phone(), full_name="Aline Mukamana", group_code=group.code, channel="whatsapp", language="rw"
        )
    return {"request_id": request.id, "group_id": group.id}


async def _b_join_request(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    return await plant_join_request(db, org)


async def _b_join_request_pending(db: Database, planted: dict[str, Any]) -> bool:
    from core.join_requests.models import JoinRequest

    async with db.system() as s:
        request = await s.get(JoinRequest, planted["request_id"])
        return request is not None and request.status == "pending"


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("POST", "/console/join-requests/{request_id}/approve", _b_join_request,
              unchanged=_b_join_request_pending),
    SweepCase("POST", "/console/join-requests/{request_id}/reject", _b_join_request,
              unchanged=_b_join_request_pending),
)


async def _b_member_unchanged(db: Database, planted: dict[str, Any]) -> bool:
    from core.members.models import Member

    async with db.system() as s:
        member = await s.get(Member, planted["member_id"])
        return member is not None and member.first_name == "Test"


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("GET", "/console/members/{member_id}/edit", _b_exception),
    SweepCase("POST", "/console/members/{member_id}/edit", _b_exception,
              form={"first_name": "Changed", "last_name": "X", "phone": "+250788000001", "language": "rw",
                    "status": "active"},
              unchanged=_b_member_unchanged),
)


async def plant_message(db: Database, org: Organization, *, text: str = "Your savings: RWF 12,000.",
                        source: str = "reply", status: str = "failed", payload: dict[str, Any] | None = None,
                        error: str | None = "131047: re-engagement message") -> dict[str, Any]:  # fmt: skip
    """An outbox message to a member of `org`, as delivery left it (failed, by default, with the provider's
    error)."""
    from core.messaging.models import OutboxMessage
    from core.messaging.outbox import new_batch
    from tests.support.factories import make_group, make_member

    member = await make_member(db, org, await make_group(db, org))
    async with db.system() as s:
        row = OutboxMessage(
            organization_id=org.id, member_id=member.id, channel="whatsapp", recipient=member.phone,
            batch=new_batch(), position=0, source=source, text=text, choices=[], payload=payload or {},
            status=status, provider="whatsapp", provider_message_ids=[], attempts=1, error=error,
            failed_at=datetime.now(UTC) if status == "failed" else None,
        )  # fmt: skip
        s.add(row)
        await s.flush()
        return {"message_id": row.id, "member_id": member.id, "phone": member.phone}


async def _b_message_not_sent_again(db: Database, planted: dict[str, Any]) -> bool:
    from sqlalchemy import func, select

    from core.messaging.models import OutboxMessage

    async with db.system() as s:
        count = await s.scalar(select(func.count()).where(OutboxMessage.recipient == planted["phone"]))
        return count == 1


async def _b_message(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    return await plant_message(db, org)


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("POST", "/console/messages/{message_id}/send-again", _b_message, unchanged=_b_message_not_sent_again),
)


async def _b_passkey(db: Database, keys: IdentityKeys, org: Organization) -> dict[str, Any]:
    import os

    from core.identity.staff_models import StaffPasskey

    user, _ = await make_staff(db, org)
    async with db.system() as s:
        passkey = StaffPasskey(organization_id=org.id, staff_user_id=user.id, credential_id=os.urandom(16),
                               public_key=b"not-used-here", sign_count=0, transports="", label="B's security key")  # fmt: skip
        s.add(passkey)
        await s.flush()
        return {"passkey_id": passkey.id}


async def _b_passkey_kept(db: Database, planted: dict[str, Any]) -> bool:
    from core.identity.staff_models import StaffPasskey

    async with db.system() as s:
        passkey = await s.get(StaffPasskey, planted["passkey_id"])
        return passkey is not None and passkey.revoked_at is None


SWEEP_CASES = (
    *SWEEP_CASES,
    SweepCase("POST", "/console/security/passkeys/{passkey_id}/remove", _b_passkey, unchanged=_b_passkey_kept),
)
