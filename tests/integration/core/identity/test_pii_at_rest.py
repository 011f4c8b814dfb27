"""National IDs and TOTP secrets are unreadable in the raw tables, findable by blind index, and rotatable."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.crypto.pii import PiiCipher, generate_key_spec, parse_keys
from core.crypto.rotation import RotationReport, rotate_pii_keys
from core.db.database import Database
from core.errors import InvalidInput
from core.identity.models import StaffUser
from core.identity.totp import totp_context
from core.members.models import Member
from core.members.service import create_member, members_by_national_id, national_id_of
from tests.support.factories import TEST_ACTOR, make_organization, make_staff, new_phone

OLD_SPEC, NEW_SPEC = generate_key_spec("old"), generate_key_spec("new")
OLD = PiiCipher(parse_keys(OLD_SPEC, allow_derived=False))
NEW_THEN_OLD = PiiCipher(parse_keys(f"{NEW_SPEC},{OLD_SPEC}", allow_derived=False))
NEW = PiiCipher(parse_keys(NEW_SPEC, allow_derived=False))


async def _member(db: Database, org_id: int, national_id: str, pii: PiiCipher) -> Member:
    async with db.tenant(org_id) as s:
        return await create_member(
            s,
            organization_id=org_id,
            phone=new_phone(),
            first_name="N",
            last_name="I",
            actor=TEST_ACTOR,
            national_id=national_id,
            pii=pii,
        )


async def test_raw_table_holds_no_plaintext_and_search_finds_the_member(
    db: Database, owner_db: Database
) -> None:
    org = await make_organization(db)
    member = await _member(db, org.id, "1199 8800 1234 5671", OLD)
    async with owner_db.system() as s:
        row = (
            (await s.execute(text("SELECT * FROM members WHERE id = :i"), {"i": member.id})).mappings().one()
        )
    dump = " ".join(str(v) for v in row.values())
    assert "1199880012345671" not in dump and "national_id" not in row  # the plaintext column is gone
    assert str(row["national_id_encrypted"]).startswith("v1:old:")
    async with db.tenant(org.id) as s:
        found = await members_by_national_id(s, OLD, organization_id=org.id, national_id="1199880012345671")
        assert [m.id for m in found] == [member.id]
        assert national_id_of(found[0], OLD) == "1199880012345671"
    with pytest.raises(InvalidInput, match="16 digits"):
        await _member(db, org.id, "12345", OLD)


async def test_rotate_keys_re_encrypts_everything_under_the_new_key(db: Database, owner_db: Database) -> None:
    org = await make_organization(db)
    member = await _member(db, org.id, "1199880012340000", OLD)
    user, secret = await make_staff(db, org, pii=OLD)
    report = await rotate_pii_keys(db, NEW_THEN_OLD, batch=1, organization_id=org.id)
    assert report == RotationReport(national_ids=1, totp_secrets=1, current_key_id="new")
    async with owner_db.system() as s:
        enc = (
            await s.execute(text("SELECT national_id_encrypted FROM members WHERE id = :i"), {"i": member.id})
        ).scalar_one()
        totp_enc = (
            await s.execute(
                text("SELECT totp_secret_encrypted FROM staff_users WHERE id = :i"), {"i": user.id}
            )
        ).scalar_one()
    assert enc.startswith("v1:new:") and totp_enc.startswith("v1:new:")
    async with db.tenant(org.id) as s:  # the old key can now leave PII_ENCRYPTION_KEYS
        m, u = await s.get(Member, member.id), await s.get(StaffUser, user.id)
        assert m is not None and national_id_of(m, NEW) == "1199880012340000"
        assert u is not None and u.totp_secret_encrypted is not None
        assert NEW.decrypt(u.totp_secret_encrypted, context=totp_context(u.id)) == secret
        found = await members_by_national_id(s, NEW, organization_id=org.id, national_id="1199880012340000")
        assert [x.id for x in found] == [member.id]
    assert (await rotate_pii_keys(db, NEW_THEN_OLD, organization_id=org.id)).national_ids == 0
