"""The benchmark's world: an organization, groups, members with payment codes, and a corpus of SMS
in every exception class. Used by bench/reconcile.py."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert  # noqa: E402

from core.audit.service import Actor  # noqa: E402
from core.db.database import Database  # noqa: E402
from core.members.models import Group, GroupMembership, Member  # noqa: E402
from core.organizations.service import create_organization  # noqa: E402
from core.payments.allocation import allocator_for  # noqa: E402
from core.payments.codes import damm_is_valid, generate_code, payload_bounds  # noqa: E402
from core.payments.models import PaymentCode  # noqa: E402
from core.payments.recon_models import GroupAmountRule  # noqa: E402

ACTOR = Actor.system("bench")
FIRST = [
    "Jean",
    "Marie",
    "Claude",
    "Alice",
    "Eric",
    "Diane",
    "Patrick",
    "Grace",
    "Emmanuel",
    "Aline",
    "Olivier",
    "Chantal",
    "Innocent",
    "Josiane",
    "Theogene",
    "Vestine",
    "Eugene",
    "Solange",
] + ["Jean Bosco", "Marie Claire"]
LAST = [
    "HABIMANA",
    "UWASE",
    "MUGISHA",
    "NIYONZIMA",
    "UWAMAHORO",
    "MUKAMANA",
    "NSENGIMANA",
    "IRADUKUNDA",
    "NDAYISABA",
    "UMUTONI",
    "HAKIZIMANA",
    "MUKESHIMANA",
    "BIZIMANA",
    "NYIRAHABIMANA",
    "TUYISENGE",
    "KAYITESI",
    "NDAYAMBAJE",
    "UWIMANA",
    "TWAGIRAMUNGU",
    "MUHIRE",
    "NIYITEGEKA",
    "MUREKATETE",
    "GASANA",
    "KAMANZI",
]
MTN = (
    "You have received {amount} RWF from {name} ({phone}) at {ts} . Message from sender: {ref}. "
    "Balance:{balance} RWF. FT Id: {txn}"
)
AIRTEL = "*151*Txn ID {txn}*R You have received RWF {amount} from {phone9} {name}.Your NEW BALANCE is RWF {balance}. *EN#"
EXCEPTION_CLASSES = tuple(
    [
        "no_reference",
        "unrecognised_reference",
        "unknown_code",
        "bad_check_digit",
        "ambiguous_member",
        "no_group",
        "duplicate",
        "unparsed",
        "amount_mismatch",
        "loan_unsupported",
    ]
)
REQUEST = 500  # SMS per forwarder request (the endpoint's maximum)
# The bench's loan codes name loans that do not exist: refused by a loan allocator, or no loan allocator at all.
LOAN_REASON = "loan_unsupported" if allocator_for("loan_repayment") is None else "target_refused"


@dataclass(frozen=True)
class Person:
    member_id: int
    name: str
    phone: str
    codes: tuple[tuple[str, int, int], ...]  # (code, group id, contribution)


@dataclass(frozen=True)
class World:
    url: str
    org_id: int
    people: tuple[Person, ...]  # in exactly one group
    two_groups: tuple[Person, ...]
    no_group: tuple[Person, ...]
    strict: tuple[Person, ...]  # in a group whose rules refuse other amounts
    loan_codes: tuple[str, ...]
    used_codes: frozenset[str]


@dataclass(frozen=True)
class Job:
    url: str
    org_id: int
    phase: str  # store | reconcile
    workers: int
    batch: int
    messages: tuple[tuple[str, str, str], ...]  # (sender, body, received_at ISO) for the store phase
    start_at: float


async def _setup(url: str, groups: int, members: int, seed: int) -> World:
    rng = random.Random(seed)
    db = Database(url, pool_size=2)
    try:
        async with db.system() as s:
            org = await create_organization(s, slug="bench", name="Bench SACCO", actor=ACTOR)
        async with db.tenant(org.id) as s:
            group_rows = [
                {
                    "organization_id": org.id,
                    "code": f"G{g:03d}",
                    "name": f"Itsinda {g}",
                    "contribution_amount": rng.choice((1000, 2000, 5000)),
                    "contribution_frequency": "weekly",
                    "meeting_day": 1 + g % 7,
                    "status": "active",
                }
                for g in range(groups)
            ]
            gids = list(
                (
                    await s.execute(insert(Group).returning(Group.id, Group.contribution_amount), group_rows)
                ).all()
            )
            strict_groups = {gid for gid, _ in gids[:2]}
            await s.execute(
                insert(GroupAmountRule),
                [
                    {
                        "organization_id": org.id,
                        "group_id": g,
                        "overpayment": "exception",
                        "underpayment": "exception",
                    }
                    for g in strict_groups
                ],
            )
            member_rows = [
                {
                    "organization_id": org.id,
                    "phone": f"+25078{i:07d}",
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "language": "rw",
                    "status": "active",
                }
                for i in range(members)
            ]
            mids: list[int] = []
            for start in range(0, members, 2000):
                chunk = member_rows[start : start + 2000]
                mids += [
                    m
                    for (m,) in (
                        await s.execute(
                            insert(Member).returning(Member.id, sort_by_parameter_order=True), chunk
                        )
                    ).all()
                ]
            n_two, n_none = members // 50, members // 100
            memberships: list[dict[str, object]] = []
            codes: list[dict[str, object]] = []
            used: set[str] = set()
            low, high = payload_bounds(8)

            def fresh_code() -> str:
                while True:
                    code = generate_code(rng.randrange(low, high))
                    if code not in used:
                        used.add(code)
                        return code

            people, two, none, strict = [], [], [], []
            for i, mid in enumerate(mids):
                row = member_rows[i]
                name, phone = f"{row['first_name']} {row['last_name']}", str(row["phone"])
                if i < n_none:
                    none.append(Person(mid, name, phone, ()))
                    continue
                chosen = rng.sample(gids, 2) if i < n_none + n_two else [rng.choice(gids)]
                mine = []
                for gid, amount in chosen:
                    memberships.append(
                        {"organization_id": org.id, "group_id": gid, "member_id": mid, "role": "member"}
                    )
                    code = fresh_code()
                    codes.append(
                        {
                            "organization_id": org.id,
                            "code": code,
                            "purpose": "contribution",
                            "member_id": mid,
                            "group_id": gid,
                            "loan_id": None,
                            "status": "active",
                        }
                    )
                    mine.append((code, gid, amount))
                person = Person(mid, name, phone, tuple(mine))
                if len(mine) == 2:
                    two.append(person)
                elif mine[0][1] in strict_groups:
                    strict.append(person)
                else:
                    people.append(person)
            loans = []
            for k in range(20):
                code = fresh_code()
                loans.append(code)
                codes.append(
                    {
                        "organization_id": org.id,
                        "code": code,
                        "purpose": "loan_repayment",
                        "member_id": people[k].member_id,
                        "group_id": None,
                        "loan_id": 1000 + k,
                        "status": "active",
                    }
                )
            for table, rows in ((GroupMembership, memberships), (PaymentCode, codes)):
                for start in range(0, len(rows), 2000):
                    await s.execute(insert(table), rows[start : start + 2000])
        return World(
            url, org.id, tuple(people), tuple(two), tuple(none), tuple(strict), tuple(loans), frozenset(used)
        )
    finally:
        await db.dispose()


def _messages(world: World, n: int, seed: int) -> tuple[list[tuple[str, str, str]], Counter[str]]:
    """The SMS to ingest and what reconciling them must give (allocated, and exceptions per reason)."""
    rng = random.Random(seed)
    expected: Counter[str] = Counter()
    out: list[tuple[str, str, str]] = []
    base = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)
    exceptional = set(rng.sample(range(n), n // 10))
    order = list(exceptional)
    rng.shuffle(order)
    kind_of = {i: EXCEPTION_CLASSES[k % len(EXCEPTION_CLASSES)] for k, i in enumerate(order)}
    sent: list[str] = []  # MTN bodies sent so far (duplicates repeat one with other spacing)

    def mtn(i: int, amount: int, ref: str, person: Person | None = None) -> str:
        name = (
            person.name.upper()
            if person and rng.random() < 0.5
            else (person.name if person else "Umuntu WESE")
        )
        phone = "*********" + (person.phone[-3:] if person else f"{rng.randrange(1000):03d}")
        ts = (base + timedelta(seconds=7 * i)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return MTN.format(
            amount=f"{amount:,}",
            name=name,
            phone=phone,
            ts=ts,
            ref=ref,
            balance=f"{rng.randrange(10**4, 10**7):,}",
            txn=f"8{i:010d}",
        )

    for i in range(n):
        kind = kind_of.get(i, "valid")
        received = (base + timedelta(seconds=7 * i + 3)).isoformat()
        person = rng.choice(world.people)
        code, _, amount = person.codes[0]
        if kind == "valid":
            if rng.random() < 0.05:
                person = rng.choice(world.strict)
                code, _, amount = person.codes[0]
            else:
                amount = rng.choice((amount, amount, amount, amount * 2, amount // 2 or 500))
            body = mtn(i, amount, rng.choice((code, f"ref {code}", f"{code[:4]} {code[4:]}")), person)
            expected["allocated"] += 1
        elif kind == "no_reference":
            body = mtn(i, amount, "", person)
        elif kind == "unrecognised_reference":
            body = mtn(i, amount, rng.choice(("umusanzu", "ikimina cyacu", "contribution")), person)
        elif kind == "unknown_code":
            while True:
                unknown = generate_code(rng.randrange(*payload_bounds(8)))
                if unknown not in world.used_codes:
                    break
            body = mtn(i, amount, unknown, person)
        elif kind == "bad_check_digit":
            wrong = code[:-1] + str((int(code[-1]) + 1 + rng.randrange(8)) % 10)
            assert not damm_is_valid(wrong)
            body = mtn(i, amount, wrong, person)
        elif kind in ("ambiguous_member", "no_group"):
            who = rng.choice(world.two_groups if kind == "ambiguous_member" else world.no_group)
            body = AIRTEL.format(
                txn=f"CI261005.{i:010d}",
                amount=amount,
                phone9=who.phone[-9:],
                name=who.name.upper(),
                balance=rng.randrange(10**6),
            )
        elif kind == "duplicate" and sent:
            body = sent.pop(rng.randrange(len(sent))).replace(" RWF from ", " RWF  from ", 1)
        elif kind == "unparsed" or kind == "duplicate":
            kind = "unparsed"
            body = f"Y'ello! Kanda *182*16# ubone {rng.randrange(1, 99)}% bonus kuri MoMo. Ref {i}"
        elif kind == "amount_mismatch":
            strict = rng.choice(world.strict)
            body = mtn(i, strict.codes[0][2] * 3, strict.codes[0][0], strict)
        else:  # loan_unsupported
            body = mtn(i, amount, rng.choice(world.loan_codes), person)
        if kind != "valid":
            expected[LOAN_REASON if kind == "loan_unsupported" else kind] += 1
        if body.startswith("You have received") and "  from " not in body:
            sent.append(body)
        out.append(("AirtelMoney" if body.startswith("*151*") else "M-Money", body, received))
    return out, expected
