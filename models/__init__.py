"""The domain: entities and the operations on them (see docs/ARCHITECTURE.md).

Importing the package registers every model on the shared metadata, which Alembic reads.
"""

from models import (  # noqa: F401
    audit,
    auth,
    calls,
    contacts,
    customer_documents,
    customers,
    exports,
    extra_fields,
    observations,
    plans,
    tokens,
    users,
)
from models.db import db

__all__ = ["db"]
