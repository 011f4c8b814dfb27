"""The one permission table: what each staff role may do, and `require` that every route and service uses.

Add a Permission here when a screen or service needs a new right, and grant it to roles in ROLE_PERMISSIONS;
nothing else decides who may do what. Organization walls are separate: a principal acts inside one
organization (row-level security), and another organization's objects simply do not exist for it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from core.audit.service import Actor
from core.errors import PermissionDenied
from core.identity.roles import StaffRole


class Permission(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    OWN_SECURITY = "own_security.manage"  # one's own MFA, backup codes, devices, sessions
    EXCEPTIONS_VIEW = "exceptions.view"
    EXCEPTIONS_RESOLVE = "exceptions.resolve"
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"
    MEMBERS_VIEW_PII = "members.view_pii"  # decrypted national IDs
    GROUPS_MANAGE = "groups.manage"
    PAYMENTS_VIEW = "payments.view"
    PAYMENTS_RECORD = "payments.record"
    PAYMENTS_REVERSE = "payments.reverse"
    LEDGER_VIEW = "ledger.view"
    LOANS_VIEW = "loans.view"
    LOANS_RECOMMEND = "loans.recommend"
    LOANS_APPROVE = "loans.approve"
    LOANS_DISBURSE = "loans.disburse"
    MESSAGES_VIEW = "messages.view"
    MESSAGES_SEND = "messages.send"
    REPORTS_VIEW = "reports.view"
    AUDIT_VIEW = "audit.view"
    STAFF_VIEW = "staff.view"
    STAFF_MANAGE = "staff.manage"  # invite, change roles, disable (never to platform admin)
    ORGANIZATIONS_MANAGE = "organizations.manage"  # platform: create SACCOs, switch scope


P = Permission
_READ = frozenset(
    {
        P.DASHBOARD_VIEW,
        P.OWN_SECURITY,
        P.EXCEPTIONS_VIEW,
        P.MEMBERS_VIEW,
        P.PAYMENTS_VIEW,
        P.LEDGER_VIEW,
        P.LOANS_VIEW,
        P.MESSAGES_VIEW,
        P.REPORTS_VIEW,
    }
)

ROLE_PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.PLATFORM_ADMIN: frozenset(Permission),
    StaffRole.MANAGER: frozenset(Permission) - {P.ORGANIZATIONS_MANAGE},
    StaffRole.ACCOUNTANT: _READ
    | {P.EXCEPTIONS_RESOLVE, P.PAYMENTS_RECORD, P.PAYMENTS_REVERSE, P.LOANS_DISBURSE, P.MEMBERS_VIEW_PII},
    StaffRole.LOAN_OFFICER: _READ | {P.LOANS_RECOMMEND, P.MEMBERS_VIEW_PII, P.MESSAGES_SEND},
    StaffRole.SUPPORT_AGENT: frozenset(
        {
            P.DASHBOARD_VIEW,
            P.OWN_SECURITY,
            P.EXCEPTIONS_VIEW,
            P.MEMBERS_VIEW,
            P.PAYMENTS_VIEW,
            P.LOANS_VIEW,
            P.MESSAGES_VIEW,
            P.MESSAGES_SEND,
        }
    ),
    StaffRole.AUDITOR: _READ | {P.AUDIT_VIEW, P.STAFF_VIEW, P.MEMBERS_VIEW_PII},  # read-only
}


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    """A signed-in staff user acting in one organization (None: a platform admin across all of them)."""

    staff_user_id: int
    role: StaffRole
    organization_id: int | None
    email: str = ""

    @property
    def actor(self) -> Actor:
        return Actor.staff(self.staff_user_id)

    @property
    def is_platform_admin(self) -> bool:
        return self.role is StaffRole.PLATFORM_ADMIN


def allowed(role: StaffRole | str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[StaffRole(role)]
    except ValueError:
        return False  # an unknown role may do nothing


def require(principal: StaffPrincipal, permission: Permission) -> None:
    """Raise PermissionDenied unless the principal's role grants the permission."""
    if not allowed(principal.role, permission):
        raise PermissionDenied(f"your role ({principal.role}) may not do this ({permission})")


P_ = ParamSpec("P_")
R = TypeVar("R")


def requires(permission: Permission) -> Callable[[Callable[P_, Awaitable[R]]], Callable[P_, Awaitable[R]]]:
    """Decorate an async service taking `principal=`: it refuses callers without the permission."""

    def decorate(fn: Callable[P_, Awaitable[R]]) -> Callable[P_, Awaitable[R]]:
        @functools.wraps(fn)
        async def wrapper(*args: P_.args, **kwargs: P_.kwargs) -> R:
            principal: Any = kwargs.get("principal")
            if not isinstance(principal, StaffPrincipal):
                raise TypeError(f"{fn.__name__} needs principal=StaffPrincipal(...) to check {permission}")
            require(principal, permission)
            return await fn(*args, **kwargs)

        wrapper.__dict__["required_permission"] = permission
        return wrapper

    return decorate
