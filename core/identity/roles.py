"""Staff roles. The permission table that maps them to actions lives in core/identity/permissions.py."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    PLATFORM_ADMIN = "platform_admin"  # every organization
    MANAGER = "manager"
    ACCOUNTANT = "accountant"  # accountant / teller
    LOAN_OFFICER = "loan_officer"
    SUPPORT_AGENT = "support_agent"
    AUDITOR = "auditor"  # read-only
