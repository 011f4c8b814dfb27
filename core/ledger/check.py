"""The ledger check: recompute every balance from postings and re-verify every entry, reporting differences."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

LIMIT = 1000  # problems reported per kind; more means something is badly wrong anyway


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    kind: str  # balance | shards | unbalanced_entry | short_entry | holds | floor | posting | reversal
    organization_id: int
    subject: str  # "account 12", "entry 7"
    detail: str


@dataclass(frozen=True, slots=True)
class LedgerCheckReport:
    entries: int
    postings: int
    accounts: int
    problems: tuple[LedgerProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = f"{self.entries} entries, {self.accounts} accounts"
        if self.ok:
            return f"ledger check: {counts}, all balanced"
        return f"ledger check: {counts}, {len(self.problems)} problem(s)"


_ORG = "(CAST(:org AS bigint) IS NULL OR {t}.organization_id = CAST(:org AS bigint))"

# Each query returns (kind, organization_id, subject, detail) rows.
_CHECKS: tuple[str, ...] = (
    f"""
    WITH posted AS (SELECT account_id, sum(amount) AS raw FROM ledger_postings p WHERE {_ORG.format(t="p")}
                    GROUP BY account_id),
         kept AS (SELECT account_id, sum(balance) AS balance, count(*) AS shards FROM ledger_balances b
                   WHERE {_ORG.format(t="b")} GROUP BY account_id)
    SELECT CASE WHEN k.shards IS DISTINCT FROM a.shards THEN 'shards' ELSE 'balance' END, a.organization_id,
           'account ' || a.id || ' (' || a.code || ')',
           'kept ' || coalesce(k.balance::text, 'nothing') || ' in ' || coalesce(k.shards, 0) || ' row(s), postings say '
           || coalesce(p.raw, 0) * CASE a.normal_side WHEN 'debit' THEN 1 ELSE -1 END
      FROM ledger_accounts a LEFT JOIN posted p ON p.account_id = a.id LEFT JOIN kept k ON k.account_id = a.id
     WHERE {_ORG.format(t="a")}
       AND (k.shards IS DISTINCT FROM a.shards
            OR k.balance IS DISTINCT FROM coalesce(p.raw, 0) * CASE a.normal_side WHEN 'debit' THEN 1 ELSE -1 END)
     LIMIT {LIMIT}
    """,
    f"""
    SELECT 'unbalanced_entry', p.organization_id, 'entry ' || p.entry_id,
           p.currency || ' debits minus credits = ' || sum(p.amount)
      FROM ledger_postings p WHERE {_ORG.format(t="p")}
     GROUP BY p.organization_id, p.entry_id, p.currency HAVING sum(p.amount) <> 0 LIMIT {LIMIT}
    """,
    f"""
    SELECT 'short_entry', e.organization_id, 'entry ' || e.id, count(p.id) || ' posting(s)'
      FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id
     WHERE {_ORG.format(t="e")} GROUP BY e.id HAVING count(p.id) < 2 LIMIT {LIMIT}
    """,
    f"""
    WITH active AS (SELECT account_id, sum(amount) AS amount FROM ledger_holds h
                     WHERE released_at IS NULL AND {_ORG.format(t="h")} GROUP BY account_id),
         kept AS (SELECT account_id, organization_id, sum(held) AS held FROM ledger_balances b
                   WHERE {_ORG.format(t="b")} GROUP BY account_id, organization_id)
    SELECT 'holds', k.organization_id, 'account ' || k.account_id,
           'held ' || k.held || ', active holds ' || coalesce(a.amount, 0)
      FROM kept k LEFT JOIN active a ON a.account_id = k.account_id
     WHERE k.held <> coalesce(a.amount, 0) LIMIT {LIMIT}
    """,
    f"""
    SELECT 'floor', b.organization_id, 'account ' || b.account_id,
           'available ' || (b.balance - b.held) || ' is below its floor ' || b.floor
      FROM ledger_balances b WHERE {_ORG.format(t="b")} AND b.floor IS NOT NULL AND b.balance - b.held < b.floor
     LIMIT {LIMIT}
    """,
    f"""
    SELECT 'posting', p.organization_id, 'posting ' || p.id,
           CASE WHEN a.currency <> p.currency THEN 'currency ' || p.currency || ' on a ' || a.currency || ' account'
                WHEN a.organization_id <> p.organization_id OR e.organization_id <> p.organization_id
                     THEN 'crosses organizations'
                ELSE 'effective time differs from its entry' END
      FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id JOIN ledger_entries e ON e.id = p.entry_id
     WHERE {_ORG.format(t="p")}
       AND (a.currency <> p.currency OR a.organization_id <> p.organization_id
            OR e.organization_id <> p.organization_id OR e.effective_at <> p.effective_at)
     LIMIT {LIMIT}
    """,
    f"""
    SELECT 'reversal', r.organization_id, 'entry ' || r.id,
           'does not mirror entry ' || r.reverses_entry_id || ' on account ' || p.account_id
      FROM ledger_entries r JOIN ledger_postings p ON p.entry_id IN (r.id, r.reverses_entry_id)
     WHERE r.reverses_entry_id IS NOT NULL AND {_ORG.format(t="r")}
     GROUP BY r.id, p.account_id, p.currency HAVING sum(p.amount) <> 0 LIMIT {LIMIT}
    """,
)
_COUNTS = text(
    f"""
    SELECT (SELECT count(*) FROM ledger_entries e WHERE {_ORG.format(t="e")}),
           (SELECT count(*) FROM ledger_postings p WHERE {_ORG.format(t="p")}),
           (SELECT count(*) FROM ledger_accounts a WHERE {_ORG.format(t="a")})
    """
)


async def check_ledger(session: AsyncSession, *, organization_id: int | None = None) -> LedgerCheckReport:
    """Recompute what the ledger keeps and report every difference; run it in the system scope for all.

    Checks: kept balances == sum of postings (normal side positive) with every shard present; every entry
    has two or more postings summing to zero per currency; held == active holds; no floor crossed;
    postings agree with their account (currency, organization) and entry; reversals mirror their original.
    Reads only what the session's scope shows; it changes nothing.
    """
    params = {"org": organization_id}
    entries, postings, accounts = (await session.execute(_COUNTS, params)).one()
    problems: list[LedgerProblem] = []
    for sql in _CHECKS:
        for kind, org, subject, detail in (await session.execute(text(sql), params)):
            problems.append(LedgerProblem(kind, int(org), subject, detail))
    return LedgerCheckReport(int(entries), int(postings), int(accounts), tuple(problems))
