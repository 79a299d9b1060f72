"""The domain: entities and the operations on them (see docs/ARCHITECTURE.md).

Importing the package registers every model on the shared metadata, which Alembic reads.
"""

# The customer record's models (issue 8), a line each: one `models` name binds them all.
import models.consents
import models.customer_options
import models.favorites
import models.fiscal_activity_codes  # noqa: F401
from models import audit, auth, calls, customers, exports, plans, tokens, users  # noqa: F401
from models.db import db

__all__ = ["db"]
