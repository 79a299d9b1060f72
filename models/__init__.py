"""The domain: entities and the operations on them (see docs/ARCHITECTURE.md).

Importing the package registers every model on the shared metadata, which Alembic reads.
"""

from models import audit, auth, calls, customers, exports, plans, tokens, users  # noqa: F401
from models import payment_methods  # noqa: F401
from models.db import db

__all__ = ["db"]
