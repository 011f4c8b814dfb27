"""Database access: SQLAlchemy 2 async on asyncpg, PostgreSQL only, tenant-scoped sessions."""

from core.db.base import Base
from core.db.database import Database, Scope

__all__ = ["Base", "Database", "Scope"]
