"""The console's navigation, in order; each entry shows only to roles with its permission. Add yours here."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity.permissions import Permission, allowed
from core.identity.staff_sessions import StaffSessionView


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    path: str
    permission: Permission


NAV: tuple[NavItem, ...] = (
    NavItem("Dashboard", "/console/", Permission.DASHBOARD_VIEW),
    NavItem("Exceptions", "/console/exceptions", Permission.EXCEPTIONS_VIEW),
    NavItem("Members", "/console/members", Permission.MEMBERS_VIEW),
    NavItem("Groups", "/console/groups", Permission.MEMBERS_VIEW),
    NavItem("Join requests", "/console/join-requests", Permission.MEMBERS_VIEW),
    NavItem("Loans", "/console/loans", Permission.LOANS_VIEW),
    NavItem("Support", "/console/support", Permission.MESSAGES_VIEW),
    NavItem("Messages", "/console/messages", Permission.MESSAGES_VIEW),
    NavItem("Reports", "/console/reports", Permission.REPORTS_VIEW),
    NavItem("Audit", "/console/audit", Permission.AUDIT_VIEW),
    NavItem("Staff", "/console/staff", Permission.STAFF_VIEW),
    NavItem("Organizations", "/console/scope", Permission.ORGANIZATIONS_MANAGE),
    NavItem("Operations", "/console/operations", Permission.ORGANIZATIONS_MANAGE),
    NavItem("Security", "/console/security", Permission.OWN_SECURITY),
)


def nav_for(view: StaffSessionView | None) -> list[NavItem]:
    if view is None or not view.mfa_verified:
        return []
    return [item for item in NAV if allowed(view.role, item.permission)]
