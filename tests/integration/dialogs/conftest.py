"""Fixtures for member journeys: the real NLU model, a router on the test database, a SACCO with members."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.router import Router
from core.db.database import Database
from core.members.models import Group, Member
from core.organizations.models import Organization
from core.settings import Settings
from dialogs.vocabulary import Channel
from nlu import load_default
from nlu.types import NluBackend
from tests.support.conversations import Chat, add_savings, make_router
from tests.support.factories import make_group, make_member, make_organization


@pytest.fixture(scope="session")
def nlu_backend() -> NluBackend:
    return load_default()


@pytest.fixture
def router(db: Database, settings: Settings, nlu_backend: NluBackend) -> Router:
    return make_router(db, settings, nlu_backend)


@dataclass
class Sacco:
    org: Organization
    weekly: Group
    monthly: Group
    members: dict[str, Member]  # by language

    def chat(self, router: Router, language: str, channel: Channel = Channel.WHATSAPP) -> Chat:
        return Chat(router, self.members[language].phone, channel)


@pytest.fixture
async def sacco(db: Database) -> Sacco:
    """A SACCO with a weekly and a monthly group and one member per language, each with 15,000 saved."""
    org = await make_organization(db, name="Umurenge SACCO Gikondo", momo_merchant_code="502300")
    weekly = await make_group(db, org, contribution_amount=2000, name="Twisungane")
    monthly = await make_group(db, org, contribution_amount=5000, name="Abishyizehamwe",
                               contribution_frequency="monthly")
    members = {}
    for language in ("rw", "en", "fr"):
        member = await make_member(db, org, weekly, language=language)
        await add_savings(db, org, member, weekly, 15_000, days_ago=30)
        members[language] = member
    return Sacco(org, weekly, monthly, members)
