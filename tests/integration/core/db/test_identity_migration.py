"""Revision 0003 encrypts national IDs and TOTP secrets that existed in plaintext before it."""

from __future__ import annotations

import asyncpg

from core.db.migrate import upgrade
from core.db.urls import libpq_dsn
from core.demo.seed import development_cipher
from core.identity.totp import totp_context
from core.members.service import national_id_context
from tests.support.servers import create_database, drop_database


async def test_existing_plaintext_is_encrypted_and_the_plain_columns_dropped(pg_server_url: str) -> None:
    url, name = await create_database(pg_server_url, prefix="ibimina_mig")
    try:
        await upgrade(url, "0001")
        conn = await asyncpg.connect(libpq_dsn(url))
        try:
            await conn.execute("SELECT set_config('app.all_organizations', 'on', false)")
            org = await conn.fetchval(
                "INSERT INTO organizations (slug, name, kind, country, currency, timezone, default_language, status)"
                " VALUES ('old', 'Old SACCO', 'sacco', 'RW', 'RWF', 'Africa/Kigali', 'rw', 'active') RETURNING id"
            )
            await conn.execute(
                "INSERT INTO members (organization_id, phone, first_name, last_name, national_id, language, status)"
                " VALUES ($1, '+250788000111', 'A', 'B', '1199880012345678', 'rw', 'active')",
                org,
            )
            staff = await conn.fetchval(
                "INSERT INTO staff_users (organization_id, email, full_name, password_hash, role, totp_secret,"
                " language, status) VALUES ($1, 'old@example.test', 'Old', 'x', 'manager', 'JBSWY3DPEHPK3PXP',"
                " 'en', 'active') RETURNING id",
                org,
            )
        finally:
            await conn.close()

        await upgrade(url)

        conn = await asyncpg.connect(libpq_dsn(url))
        try:
            await conn.execute("SELECT set_config('app.all_organizations', 'on', false)")
            member = await conn.fetchrow("SELECT * FROM members")
            user = await conn.fetchrow("SELECT * FROM staff_users WHERE id = $1", staff)
        finally:
            await conn.close()
        member_columns, staff_columns = list(member.keys()), list(user.keys())  # a Record's "in" looks at values
        assert "national_id" not in member_columns and "totp_secret" not in staff_columns
        pii = development_cipher()
        assert (
            pii.decrypt(member["national_id_encrypted"], context=national_id_context(org))
            == "1199880012345678"
        )
        assert member["national_id_index"] == pii.blind_index(
            "1199880012345678", context=national_id_context(org)
        )
        pending = user["totp_pending_secret_encrypted"]
        assert pii.decrypt(pending, context=totp_context(staff)) == "JBSWY3DPEHPK3PXP"
        assert (
            user["totp_secret_encrypted"] is None and user["totp_confirmed_at"] is None
        )  # confirms at next sign-in
    finally:
        await drop_database(pg_server_url, name)
