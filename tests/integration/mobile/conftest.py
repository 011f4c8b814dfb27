"""Member API fixtures: the real app on the test database, members in SACCOs, and signing in by code."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.runtime import open_runtime
from core.audit.service import Actor
from core.db.database import Database
from core.ledger.operations import record_contribution
from core.members.models import Group, Member
from core.messaging.outbox import list_outbox
from core.money import Money
from core.organizations.models import Organization
from core.settings import Settings
from tests.support.factories import make_group, make_member, make_organization, unique

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def fresh_phone() -> str:
    """A random MTN number: the rate limiter (Redis) outlives the test database, so phones must not repeat
    between runs the way the seeded factories' numbers do."""
    return f"+25078{secrets.randbelow(10**7):07d}"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    rt = await open_runtime(settings)
    c = TestClient(TestServer(create_app(rt)))
    await c.start_server()
    yield c
    await c.close()
    await rt.close()


@dataclass(frozen=True)
class Saver:
    """A member with a group, savings and the organization around them."""

    org: Organization
    group: Group
    member: Member

    @property
    def phone(self) -> str:
        return self.member.phone


async def make_saver(db: Database, *, savings: int = 0, org: Organization | None = None, group: Group | None = None,
                     language: str = "en") -> Saver:
    org = org or await make_organization(db, momo_merchant_code="123456")
    group = group or await make_group(db, org, contribution_amount=2000)
    member = await make_member(db, org, group, language=language, phone=fresh_phone())
    if savings:
        await contribute(db, org, group, member, savings)
    return Saver(org, group, member)


async def contribute(db: Database, org: Organization, group: Group, member: Member, amount: int) -> None:
    async with db.tenant(org.id) as s:
        await record_contribution(
            s, org.id, member.id, group.id, Money(amount, org.currency), idempotency_key=unique("contribution"),
            actor=Actor.system("tests"),
        )


async def latest_code(db: Database, org_id: int, phone: str) -> str | None:
    """The code in the newest one-time-code message queued for this phone, read like `ibimina outbox`."""
    async with db.tenant(org_id) as s:
        rows = [r for r in await list_outbox(s, recipient=phone) if r.source == "otp"]
    if not rows:
        return None
    found = CODE.findall(rows[-1].text)
    return found[-1] if found else None


async def sign_in(client: TestClient, db: Database, saver: Saver) -> dict[str, str]:
    """Request a code, read it from the outbox, verify: the token answer."""
    r = await client.post("/api/v1/auth/code", json={"phone": saver.phone})
    assert r.status == 202, await r.text()
    code = await latest_code(db, saver.org.id, saver.phone)
    assert code is not None
    r = await client.post("/api/v1/auth/verify", json={"phone": saver.phone, "code": code})
    assert r.status == 200, await r.text()
    return await r.json()


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
