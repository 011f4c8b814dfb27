"""The chart of accounts: organization-wide accounts made with the organization, the rest opened on first use.

Opening is race-safe: INSERT ... ON CONFLICT DO NOTHING on (organization_id, code), then read the id back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.ledger.types import AccountPurpose, AccountType

SYSTEM_SHARDS = 16  # organization-wide accounts: every payment touches them


class SystemAccount(StrEnum):
    """Codes of the organization-wide accounts."""

    CASH = "cash"
    MTN_CLEARING = "clearing:mtn"
    AIRTEL_CLEARING = "clearing:airtel"
    SUSPENSE = "suspense"
    INTEREST_INCOME = "income:interest"
    FEE_INCOME = "income:fees"
    PENALTY_INCOME = "income:penalties"
    LOAN_LOSSES = "expense:loan_losses"
    RECOVERIES = "income:recoveries"


@dataclass(frozen=True, slots=True)
class AccountSpec:
    code: str
    name: str
    purpose: AccountPurpose
    type: AccountType
    member_id: int | None = None
    group_id: int | None = None
    loan_id: int | None = None
    shards: int = 1
    floor: int | None = None  # None: may go negative (organization-wide accounts)


P, T = AccountPurpose, AccountType
SYSTEM_CHART: tuple[AccountSpec, ...] = (
    AccountSpec(SystemAccount.CASH, "Cash", P.CASH, T.ASSET, shards=SYSTEM_SHARDS),
    AccountSpec(SystemAccount.MTN_CLEARING, "MTN MoMo collection account", P.CLEARING, T.ASSET, shards=SYSTEM_SHARDS),
    AccountSpec(
        SystemAccount.AIRTEL_CLEARING, "Airtel Money collection account", P.CLEARING, T.ASSET, shards=SYSTEM_SHARDS
    ),
    AccountSpec(
        SystemAccount.SUSPENSE, "Suspense: received, not yet allocated", P.SUSPENSE, T.LIABILITY, shards=SYSTEM_SHARDS
    ),
    AccountSpec(SystemAccount.INTEREST_INCOME, "Interest income", P.INTEREST_INCOME, T.INCOME, shards=SYSTEM_SHARDS),
    AccountSpec(SystemAccount.FEE_INCOME, "Fee income", P.FEE_INCOME, T.INCOME, shards=SYSTEM_SHARDS),
    AccountSpec(SystemAccount.PENALTY_INCOME, "Penalty income", P.PENALTY_INCOME, T.INCOME, shards=SYSTEM_SHARDS),
    AccountSpec(SystemAccount.LOAN_LOSSES, "Loan losses: principal written off", P.LOAN_LOSS, T.EXPENSE),
    AccountSpec(SystemAccount.RECOVERIES, "Recoveries on loans written off", P.RECOVERY_INCOME, T.INCOME),
)


def savings_code(group_id: int, member_id: int) -> str:
    return f"savings:{group_id}:{member_id}"


@dataclass(frozen=True, slots=True)
class LoanAccounts:
    principal_id: int
    interest_id: int


_OPEN = text(
    """
    WITH spec AS (
        SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:names AS text[]), CAST(:purposes AS text[]),
                             CAST(:types AS text[]), CAST(:sides AS text[]), CAST(:members AS bigint[]),
                             CAST(:groups AS bigint[]), CAST(:loans AS bigint[]), CAST(:shards AS int[]),
                             CAST(:floors AS bigint[]))
                 AS s(code, name, purpose, type, side, member_id, group_id, loan_id, shards, floor)
    ), opened AS (
        INSERT INTO ledger_accounts (organization_id, code, name, purpose, type, normal_side, currency,
                                     member_id, group_id, loan_id, shards)
        SELECT CAST(:org AS bigint), s.code, s.name, s.purpose, s.type, s.side, CAST(:currency AS text),
               s.member_id, s.group_id, s.loan_id, s.shards
          FROM spec s
        ON CONFLICT (organization_id, code) DO NOTHING
        RETURNING id, code, shards
    )
    INSERT INTO ledger_balances (account_id, shard, organization_id, balance, held, floor)
    SELECT o.id, n, CAST(:org AS bigint), 0, 0, s.floor FROM opened o JOIN spec s ON s.code = o.code,
           generate_series(0, o.shards - 1) AS n
    """
)
_IDS = text("SELECT code, id FROM ledger_accounts WHERE organization_id = :org AND code = ANY(CAST(:codes AS text[]))")


async def open_accounts(
    session: AsyncSession, *, organization_id: int, currency: str, specs: Iterable[AccountSpec]
) -> dict[str, int]:
    """Open any of these accounts that do not exist yet (with their balance rows); return code -> id."""
    rows = list(specs)
    await session.execute(
        _OPEN,
        {
            "org": organization_id,
            "currency": currency,
            "codes": [s.code for s in rows],
            "names": [s.name for s in rows],
            "purposes": [str(s.purpose) for s in rows],
            "types": [str(s.type) for s in rows],
            "sides": [str(s.type.normal_side) for s in rows],
            "members": [s.member_id for s in rows],
            "groups": [s.group_id for s in rows],
            "loans": [s.loan_id for s in rows],
            "shards": [s.shards for s in rows],
            "floors": [s.floor for s in rows],
        },
    )
    return await account_ids(session, organization_id, [s.code for s in rows])


async def account_ids(session: AsyncSession, organization_id: int, codes: Iterable[str]) -> dict[str, int]:
    """Ids of the accounts with these codes (the missing ones are simply absent)."""
    result = await session.execute(_IDS, {"org": organization_id, "codes": [str(c) for c in codes]})
    return {str(code): int(id_) for code, id_ in result}


async def create_chart_of_accounts(session: AsyncSession, *, organization_id: int, currency: str) -> dict[str, int]:
    """Open the organization-wide accounts (idempotent); called by create_organization."""
    return await open_accounts(session, organization_id=organization_id, currency=currency, specs=SYSTEM_CHART)


async def system_account_id(session: AsyncSession, organization_id: int, account: SystemAccount) -> int:
    """The id of an organization-wide account; NotFound when the organization is not visible here."""
    found = await account_ids(session, organization_id, [account])
    if account.value not in found:
        raise NotFound(f"organization {organization_id} has no {account.value} account")
    return found[account.value]


_MEMBERSHIPS = text(
    """
    SELECT gm.member_id, gm.group_id, m.first_name || ' ' || m.last_name, g.code, o.currency
      FROM group_memberships gm
      JOIN members m ON m.id = gm.member_id
      JOIN groups g ON g.id = gm.group_id
      JOIN organizations o ON o.id = gm.organization_id
     WHERE gm.organization_id = :org
       AND (gm.member_id, gm.group_id) IN (SELECT * FROM unnest(CAST(:members AS bigint[]), CAST(:groups AS bigint[])))
    """
)


async def ensure_member_savings_accounts(
    session: AsyncSession, organization_id: int, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """Savings account ids for (member_id, group_id) pairs, opening those that do not exist yet.

    Raises NotFound when a member is not (and never was) in the group, or the pair is not in this organization.
    """
    wanted = list(dict.fromkeys(pairs))
    codes = {pair: savings_code(pair[1], pair[0]) for pair in wanted}
    found = await account_ids(session, organization_id, codes.values())
    missing = [pair for pair in wanted if codes[pair] not in found]
    if missing:
        result = await session.execute(
            _MEMBERSHIPS,
            {"org": organization_id, "members": [m for m, _ in missing], "groups": [g for _, g in missing]},
        )
        known = {(int(m), int(g)): (str(name), str(code), str(cur)) for m, g, name, code, cur in result}
        absent = [pair for pair in missing if pair not in known]
        if absent:
            m, g = absent[0]
            raise NotFound(f"member {m} is not in group {g} of this organization")
        by_currency: dict[str, list[AccountSpec]] = {}
        for pair in missing:
            name, group_code, currency = known[pair]
            by_currency.setdefault(currency, []).append(
                AccountSpec(codes[pair], f"Savings of {name} in {group_code}", P.MEMBER_SAVINGS, T.LIABILITY,
                            member_id=pair[0], group_id=pair[1], floor=0)
            )
        for currency, specs in by_currency.items():
            found.update(await open_accounts(session, organization_id=organization_id, currency=currency, specs=specs))
    return {pair: found[codes[pair]] for pair in wanted}


async def ensure_member_savings_account(session: AsyncSession, organization_id: int, member_id: int, group_id: int) -> int:
    """The member's savings account in the group (opened on first use); NotFound when not a member."""
    return (await ensure_member_savings_accounts(session, organization_id, [(member_id, group_id)]))[
        (member_id, group_id)
    ]


_GROUP = text(
    "SELECT g.code, g.name, g.uses_social_fund, o.currency FROM groups g JOIN organizations o "
    "ON o.id = g.organization_id WHERE g.id = :group AND g.organization_id = :org"
)


async def ensure_group_account(
    session: AsyncSession, organization_id: int, group_id: int, purpose: AccountPurpose = AccountPurpose.GROUP_POOL
) -> int:
    """The group's pool or social-fund account (opened on first use).

    Raises NotFound for an unknown group, InvalidInput for a social fund in a group that does not keep one.
    """
    if purpose not in (AccountPurpose.GROUP_POOL, AccountPurpose.SOCIAL_FUND):
        raise InvalidInput("a group account is a pool or a social fund")
    row = (await session.execute(_GROUP, {"group": group_id, "org": organization_id})).first()
    if row is None:
        raise NotFound(f"group {group_id} does not exist in this organization")
    code, name, uses_social_fund, currency = row
    if purpose is AccountPurpose.SOCIAL_FUND and not uses_social_fund:
        raise InvalidInput(f"group {code} keeps no social fund")
    prefix, label = ("pool", "pool") if purpose is AccountPurpose.GROUP_POOL else ("social", "social fund")
    spec = AccountSpec(f"{prefix}:{group_id}", f"{name} {label}", purpose, T.LIABILITY, group_id=group_id, floor=0)
    ids = await open_accounts(session, organization_id=organization_id, currency=str(currency), specs=[spec])
    return ids[spec.code]


async def ensure_loan_accounts(
    session: AsyncSession, organization_id: int, *, loan_id: int, member_id: int, group_id: int | None, currency: str
) -> LoanAccounts:
    """The loan's principal and interest receivable accounts (opened on first use; never below zero)."""
    specs = [
        AccountSpec(f"loan:{loan_id}:principal", f"Loan {loan_id} principal receivable", P.LOAN_PRINCIPAL, T.ASSET,
                    member_id=member_id, group_id=group_id, loan_id=loan_id, floor=0),
        AccountSpec(f"loan:{loan_id}:interest", f"Loan {loan_id} interest receivable", P.LOAN_INTEREST, T.ASSET,
                    member_id=member_id, group_id=group_id, loan_id=loan_id, floor=0),
    ]
    ids = await open_accounts(session, organization_id=organization_id, currency=currency, specs=specs)
    return LoanAccounts(principal_id=ids[specs[0].code], interest_id=ids[specs[1].code])
