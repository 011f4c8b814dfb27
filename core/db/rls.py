"""Row-level security: the second wall between SACCOs, keyed on per-transaction settings.

`app.organization_id` scopes a transaction to one organization; `app.all_organizations = 'on'` is the
explicit system scope (cross-organization jobs, platform admins). A transaction with neither sees nothing.
"""

from __future__ import annotations

from typing import Any

POLICY = "tenant_isolation"
TENANT_PREDICATE = (
    "(organization_id = NULLIF(current_setting('app.organization_id', true), '')::bigint"
    " OR current_setting('app.all_organizations', true) = 'on')"
)


def enable_tenant_rls(op: Any, table: str, column: str = "organization_id") -> None:
    """Enable and force RLS on a tenant table (for use inside Alembic migrations)."""
    predicate = TENANT_PREDICATE.replace("organization_id =", f"{column} =", 1)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING {predicate} WITH CHECK {predicate}")


def disable_tenant_rls(op: Any, table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def forbid_update_delete(op: Any, table: str) -> None:
    """Append-only table: a trigger refuses UPDATE and DELETE for every role, owner included."""
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ibimina_refuse_change()"
    )
