"""The domain: entities and the operations on them, one folder per domain (docs/ARCHITECTURE.md).

Importing the package registers every model on the shared metadata, which Alembic reads.
"""

from models.db import db
from models.discovery import import_submodules

import_submodules(__name__)

__all__ = ["db"]
