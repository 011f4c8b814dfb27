"""The application's database role: not the owner, not a superuser, so row-level security applies to it.

Migrations run as the owner (DATABASE_URL or MIGRATION_DATABASE_URL); the service connects with
`role=ibimina_app` as a startup parameter. Default privileges make every later table usable by the role;
append-only tables revoke UPDATE/DELETE again in their own migration.
"""

from __future__ import annotations

from typing import Any

APP_ROLE = "ibimina_app"


def create_app_role(op: Any) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
        EXCEPTION WHEN duplicate_object THEN NULL;  -- another database of this cluster made it first
        END $$;
        """
    )
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
            EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
          END IF;
        END $$;
        """
    )


def grant_app_role(op: Any) -> None:
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")


def append_only_privileges(op: Any, table: str) -> None:
    """The application may read and insert, never change or remove (the trigger guards the owner too)."""
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")
