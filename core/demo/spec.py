"""What the demo contains. Passwords are fixed so `ibimina demo --json` prints the same logins every time."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity.roles import StaffRole
from core.members.models import Frequency, MembershipRole


@dataclass(frozen=True, slots=True)
class DemoMember:
    phone: str
    first_name: str
    last_name: str
    language: str
    groups: tuple[tuple[str, MembershipRole], ...]
    national_id: str


@dataclass(frozen=True, slots=True)
class DemoGroup:
    code: str
    name: str
    contribution_amount: int
    frequency: Frequency
    meeting_day: int


@dataclass(frozen=True, slots=True)
class DemoStaff:
    email: str
    full_name: str
    role: StaffRole
    password: str


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    slug: str
    name: str
    momo_merchant_code: str
    groups: tuple[DemoGroup, ...]
    members: tuple[DemoMember, ...]
    staff: tuple[DemoStaff, ...]


M, C, T, S = MembershipRole.MEMBER, MembershipRole.CHAIR, MembershipRole.TREASURER, MembershipRole.SECRETARY

ORGANIZATIONS = (
    DemoOrganization(
        slug="kicukiro",
        name="Umurenge SACCO Kicukiro",
        momo_merchant_code="502100",
        groups=(
            DemoGroup("TWISUNGANE", "Twisungane", 2_000, Frequency.WEEKLY, 2),
            DemoGroup("ABISHYIZEHAMWE", "Abishyizehamwe", 5_000, Frequency.MONTHLY, 6),
        ),
        members=(
            DemoMember(
                "+250788100001",
                "Aline",
                "Uwase",
                "rw",
                (("TWISUNGANE", C), ("ABISHYIZEHAMWE", M)),
                "1198870012345671",
            ),
            DemoMember("+250788100002", "Jean", "Habimana", "en", (("TWISUNGANE", T),), "1198580012345672"),
            DemoMember(
                "+250788100003", "Claudine", "Mukamana", "fr", (("TWISUNGANE", S),), "1199070012345673"
            ),
            DemoMember("+250788100004", "Eric", "Niyonzima", "rw", (("TWISUNGANE", M),), "1199280012345674"),
            DemoMember(
                "+250788100005", "Grace", "Ingabire", "rw", (("ABISHYIZEHAMWE", C),), "1198770012345675"
            ),
            DemoMember(
                "+250788100006", "Patrick", "Nshimiyimana", "en", (("ABISHYIZEHAMWE", T),), "1198970012345676"
            ),
            DemoMember(
                "+250788100007", "Diane", "Umutoni", "rw", (("ABISHYIZEHAMWE", S),), "1199570012345677"
            ),
        ),
        staff=(
            DemoStaff(
                "manager@kicukiro.example",
                "Immaculee Mukeshimana",
                StaffRole.MANAGER,
                "kicukiro-manager-2026",
            ),
            DemoStaff(
                "accountant@kicukiro.example",
                "Emmanuel Mugisha",
                StaffRole.ACCOUNTANT,
                "kicukiro-teller-2026",
            ),
            DemoStaff(
                "loans@kicukiro.example", "Vestine Uwimana", StaffRole.LOAN_OFFICER, "kicukiro-loans-2026"
            ),
            DemoStaff(
                "support@kicukiro.example",
                "Olivier Hakizimana",
                StaffRole.SUPPORT_AGENT,
                "kicukiro-support-2026",
            ),
            DemoStaff(
                "auditor@kicukiro.example", "Solange Nyiraneza", StaffRole.AUDITOR, "kicukiro-auditor-2026"
            ),
        ),
    ),
    DemoOrganization(
        slug="musanze",
        name="Umurenge SACCO Musanze",
        momo_merchant_code="502200",
        groups=(DemoGroup("KORANA", "Korana Ubushake", 1_000, Frequency.WEEKLY, 4),),
        members=(
            DemoMember("+250788200001", "Theogene", "Bizimana", "rw", (("KORANA", C),), "1198670022345671"),
            DemoMember(
                "+250788200002", "Esperance", "Mukandayisenga", "fr", (("KORANA", T),), "1199170022345672"
            ),
            DemoMember("+250788200003", "Samuel", "Ndayisaba", "en", (("KORANA", S),), "1199470022345673"),
            DemoMember("+250788200004", "Josiane", "Uwamahoro", "rw", (("KORANA", M),), "1199670022345674"),
        ),
        staff=(
            DemoStaff(
                "manager@musanze.example", "Jean Paul Nkurunziza", StaffRole.MANAGER, "musanze-manager-2026"
            ),
            DemoStaff(
                "support@musanze.example", "Alice Mutesi", StaffRole.SUPPORT_AGENT, "musanze-support-2026"
            ),
        ),
    ),
)

PLATFORM_ADMIN = DemoStaff(
    "admin@ibimina.example", "Platform Admin", StaffRole.PLATFORM_ADMIN, "ibimina-admin-2026"
)
