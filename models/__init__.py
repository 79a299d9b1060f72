"""The domain: entities and the operations on them (see docs/ARCHITECTURE.md).

Importing the package registers every model on the shared metadata, which Alembic reads.
"""

from models import (  # noqa: F401
    audit,
    auth,
    calls,
    customers,
    exports,
    payment_methods,
    plans,
    tokens,
    users,
)
from models.db import db

__all__ = ["db"]
