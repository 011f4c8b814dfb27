"""Portfolio at risk: the share of outstanding principal on loans with an instalment late more than N days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.loans.models import LoanApplication, LoanInstalment
from core.loans.models import LoanApplicationStatus as S


@dataclass(frozen=True, slots=True)
class ParFigure:
    """PAR for one scope: the organization (group_id None) or one group."""

    group_id: int | None
    outstanding_principal: int
    at_risk_principal: int
    loans: int
    loans_at_risk: int

    @property
    def ratio(self) -> float:
        """0..1; 0 when nothing is outstanding (display only: money stays integer)."""
        return self.at_risk_principal / self.outstanding_principal if self.outstanding_principal else 0.0


async def portfolio_at_risk(
    session: AsyncSession, organization_id: int, today: date, *, days: int = 30
) -> list[ParFigure]:
    """PAR `days` for the organization (first line) and each group with active loans."""
    cutoff = today - timedelta(days=days)
    late = (select(LoanInstalment.loan_id).where(
        LoanInstalment.organization_id == organization_id, LoanInstalment.due_on < cutoff,
        LoanInstalment.principal_paid + LoanInstalment.interest_paid + LoanInstalment.penalty_paid
        < LoanInstalment.principal_due + LoanInstalment.interest_due + LoanInstalment.penalty_due)
        .distinct().scalar_subquery())
    owing = (select(LoanInstalment.loan_id, func.sum(LoanInstalment.principal_due - LoanInstalment.principal_paid)
                    .label("principal"))
             .where(LoanInstalment.organization_id == organization_id).group_by(LoanInstalment.loan_id).subquery())
    rows = (await session.execute(
        select(LoanApplication.group_id, owing.c.principal, LoanApplication.id.in_(late))
        .join(owing, owing.c.loan_id == LoanApplication.id)
        .where(LoanApplication.organization_id == organization_id, LoanApplication.status == S.ACTIVE)
    )).all()
    org = [0, 0, 0, 0]
    groups: dict[int, list[int]] = {}
    for group_id, principal, at_risk in rows:
        scopes = [org] + ([groups.setdefault(group_id, [0, 0, 0, 0])] if group_id is not None else [])
        for t in scopes:
            t[0] += int(principal)
            t[1] += int(principal) if at_risk else 0
            t[2] += 1
            t[3] += 1 if at_risk else 0
    return [ParFigure(None, *org)] + [ParFigure(g, *groups[g]) for g in sorted(groups)]
