"""The chart of accounts: made with the organization, member and group accounts opened once on first use."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from core.db.database import Database
from core.errors import InvalidInput, NotFound
from core.ledger.balances import get_account
from core.ledger.chart import (
    SYSTEM_SHARDS,
    SystemAccount,
    account_ids,
    ensure_group_account,
    ensure_loan_accounts,
    ensure_member_savings_account,
)
from core.ledger.types import AccountPurpose, AccountType, Side
from tests.support.factories import make_group, make_member, make_organization


async def test_a_new_organization_has_its_chart(db: Database) -> None:
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        ids = await account_ids(s, org.id, [a.value for a in SystemAccount])
        assert set(ids) == {a.value for a in SystemAccount}
        clearing = await get_account(s, org.id, ids[SystemAccount.MTN_CLEARING])
        suspense = await get_account(s, org.id, ids[SystemAccount.SUSPENSE])
        shards = (await s.execute(text("SELECT count(*) FROM ledger_balances WHERE account_id = :a"),
                                  {"a": clearing.id})).scalar()
    assert (clearing.type, clearing.normal_side, clearing.currency) == (AccountType.ASSET, Side.DEBIT, "RWF")
    assert (suspense.type, suspense.normal_side, suspense.floor) == (AccountType.LIABILITY, Side.CREDIT, None)
    assert shards == SYSTEM_SHARDS


async def test_savings_accounts_open_once_even_when_raced(db: Database) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)

    async def open_it() -> int:
        async with db.tenant(org.id) as s:
            return await ensure_member_savings_account(s, org.id, member.id, group.id)

    ids = await asyncio.gather(*(open_it() for _ in range(6)))
    assert len(set(ids)) == 1
    async with db.tenant(org.id) as s:
        account = await get_account(s, org.id, ids[0])
        n = (await s.execute(text("SELECT count(*) FROM ledger_accounts WHERE member_id = :m"),
                             {"m": member.id})).scalar()
    assert n == 1
    assert (account.purpose, account.type, account.floor) == (AccountPurpose.MEMBER_SAVINGS, AccountType.LIABILITY, 0)
    assert (account.member_id, account.group_id, account.balance.amount) == (member.id, group.id, 0)


async def test_only_members_of_the_group_get_savings_there(db: Database) -> None:
    org, other = await make_organization(db), await make_organization(db)
    group, stranger_group = await make_group(db, org), await make_group(db, other)
    outsider = await make_member(db, org)  # in no group
    stranger = await make_member(db, other, stranger_group)
    async with db.tenant(org.id) as s:
        with pytest.raises(NotFound):
            await ensure_member_savings_account(s, org.id, outsider.id, group.id)
        with pytest.raises(NotFound):
            await ensure_member_savings_account(s, org.id, stranger.id, stranger_group.id)


async def test_group_and_loan_accounts(db: Database) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    async with db.tenant(org.id) as s:
        pool = await ensure_group_account(s, org.id, group.id)
        assert pool == await ensure_group_account(s, org.id, group.id, AccountPurpose.GROUP_POOL)
        with pytest.raises(InvalidInput):  # the factory's group keeps no social fund
            await ensure_group_account(s, org.id, group.id, AccountPurpose.SOCIAL_FUND)
        await s.execute(text("UPDATE groups SET uses_social_fund = true WHERE id = :g"), {"g": group.id})
        social = await ensure_group_account(s, org.id, group.id, AccountPurpose.SOCIAL_FUND)
        loan = await ensure_loan_accounts(s, org.id, loan_id=77, member_id=member.id, group_id=group.id, currency="RWF")
        again = await ensure_loan_accounts(s, org.id, loan_id=77, member_id=member.id, group_id=group.id, currency="RWF")
        principal = await get_account(s, org.id, loan.principal_id)
    assert len({pool, social, loan.principal_id, loan.interest_id}) == 4 and again == loan
    assert (principal.type, principal.normal_side, principal.loan_id, principal.floor) == (
        AccountType.ASSET, Side.DEBIT, 77, 0)
