"""The permission table: every role signs in and guards its account; auditors only read; `require` refuses."""

from __future__ import annotations

import pytest

from core.errors import PermissionDenied
from core.identity.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    StaffPrincipal,
    allowed,
    require,
    requires,
)
from core.identity.roles import StaffRole

READ_ONLY_SUFFIXES = (".view", ".view_pii", "own_security.manage")


def test_every_role_is_in_the_table_and_can_reach_the_console() -> None:
    assert set(ROLE_PERMISSIONS) == set(StaffRole)
    for role in StaffRole:
        assert allowed(role, Permission.DASHBOARD_VIEW) and allowed(role, Permission.OWN_SECURITY)


def test_auditor_is_read_only() -> None:
    for permission in ROLE_PERMISSIONS[StaffRole.AUDITOR]:
        assert permission.value.endswith(READ_ONLY_SUFFIXES), permission


def test_only_the_platform_admin_manages_organizations_and_managers_manage_staff() -> None:
    holders = {r for r in StaffRole if allowed(r, Permission.ORGANIZATIONS_MANAGE)}
    assert holders == {StaffRole.PLATFORM_ADMIN}
    assert allowed(StaffRole.MANAGER, Permission.STAFF_MANAGE)
    assert not allowed(StaffRole.ACCOUNTANT, Permission.STAFF_MANAGE)
    assert not allowed(StaffRole.SUPPORT_AGENT, Permission.MEMBERS_VIEW_PII)
    assert not allowed("no-such-role", Permission.DASHBOARD_VIEW)


async def test_require_and_the_service_decorator_refuse_without_the_permission() -> None:
    auditor = StaffPrincipal(1, StaffRole.AUDITOR, 10)
    manager = StaffPrincipal(2, StaffRole.MANAGER, 10)
    with pytest.raises(PermissionDenied):
        require(auditor, Permission.STAFF_MANAGE)
    require(manager, Permission.STAFF_MANAGE)

    @requires(Permission.PAYMENTS_REVERSE)
    async def reverse(*, principal: StaffPrincipal, amount: int) -> int:
        return amount

    assert await reverse(principal=manager, amount=5) == 5
    with pytest.raises(PermissionDenied):
        await reverse(principal=auditor, amount=5)
    with pytest.raises(TypeError):
        await reverse(amount=5)  # type: ignore[call-arg]
    assert reverse.__dict__["required_permission"] is Permission.PAYMENTS_REVERSE
