"""The domain: entities and the operations on them (see docs/ARCHITECTURE.md).

Importing the package registers every model on the shared metadata, which Alembic reads.
"""

from models import (  # noqa: F401
    addresses,
    audit,
    auth,
    auto_suspension,
    billing_events,
    boleto_notices,
    boleto_numbers,
    boletos,
    call_reprice,
    calls,
    ceps,
    consents,
    contacts,
    customer_documents,
    customer_options,
    customers,
    email_templates,
    equipment,
    equipment_lending,
    equipment_sales,
    exports,
    extra_fields,
    favorites,
    fiscal_activity_codes,
    local_holidays,
    notices,
    observations,
    payment_methods,
    plans,
    receivables,
    suspension_holds,
    tokens,
    users,
)
from models.db import db

__all__ = ["db"]
