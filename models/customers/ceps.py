"""The CEP directory: street, district, city and state of each CEP [5.3].

Loaded in bulk by `flask ceps import` (models/customers/cep_import.py); an online provider, when one
is configured, fills a miss and its answer is kept here (models/customers/cep_provider.py).
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from models.clock import utcnow
from models.customers import cep_provider
from models.customers.cep_provider import CepProvider
from models.db import UTCDateTime, db, upsert
from models.errors import NotFound

COLUMNS = ("cep", "street", "district", "city", "state")


class CepEntry(db.Model):
    """One CEP; street and district are empty for a town with a single CEP."""

    __tablename__ = "ceps"
    __table_args__ = (CheckConstraint("length(cep) = 8", name="cep_8_digits"),)

    cep: Mapped[str] = mapped_column(String(8), primary_key=True)
    street: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def store_entry(row: dict) -> CepEntry:
    """Add or refresh one entry (a provider's answer); parallel lookups may both store it."""
    table = CepEntry.__table__
    values = {**{name: row[name] for name in COLUMNS}, "updated_at": utcnow()}
    statement = upsert(table).values(values)
    changed = {name: statement.excluded[name] for name in (*COLUMNS[1:], "updated_at")}
    db.session.execute(statement.on_conflict_do_update(index_elements=["cep"], set_=changed))
    return db.session.get(CepEntry, row["cep"], populate_existing=True)


def find_cep(cep: str, provider: CepProvider | None = None) -> CepEntry | None:
    """The directory's entry for 8-digit `cep`; on a miss, the provider's (then kept), or None.

    Raises ProviderUnavailable when the provider is configured but cannot answer.
    """
    entry = db.session.get(CepEntry, cep)
    if entry is not None or provider is None or not provider.configured:
        return entry
    found = cep_provider.fetch(provider, cep)
    return None if found is None else store_entry(found)


def get_cep(cep: str, provider: CepProvider | None = None) -> CepEntry:
    """Like find_cep, but NotFound for a CEP neither the directory nor the provider knows."""
    entry = find_cep(cep, provider)
    if entry is None:
        raise NotFound(f"CEP {cep[:5]}-{cep[5:]} is not in the directory.")
    return entry
