"""staff passkeys: WebAuthn credentials as a second factor beside the authenticator app

A staff user may register passkeys (a phone, a security key, a laptop's platform authenticator) on the
security page and use one instead of a six-digit code when signing in: phishing-resistant, since the browser
binds the signature to the console's origin. The console session keeps the challenge of the ceremony in
progress, used once.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_passkeys",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("organization_id", sa.BigInteger(), sa.ForeignKey("organizations.id"), nullable=True),
        sa.Column("staff_user_id", sa.BigInteger(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("credential_id", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("transports", sa.String(100), nullable=False, server_default=""),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.UniqueConstraint("credential_id", name="uq_staff_passkeys_credential_id"),
    )
    op.create_index("ix_staff_passkeys_organization_id", "staff_passkeys", ["organization_id"])
    op.create_index("ix_staff_passkeys_staff_user_id", "staff_passkeys", ["staff_user_id"])
    enable_tenant_rls(op, "staff_passkeys")
    op.add_column("staff_sessions", sa.Column("passkey_challenge", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("staff_sessions", "passkey_challenge")
    disable_tenant_rls(op, "staff_passkeys")
    op.drop_table("staff_passkeys")
