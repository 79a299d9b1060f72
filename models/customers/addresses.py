"""A customer's other addresses ("Outros Endereços", manual [5.3]), filled in from the CEP.

Parts left out (street, district, city, state) come from the CEP directory, or from the
online provider on a miss (models/customers/ceps.py). Deleting removes the row; the customer's
history
keeps the address and who deleted it.
"""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.customers.cep_provider import CepProvider, ProviderUnavailable
from models.customers.ceps import find_cep
from models.customers.customers import get_customer
from models.customers.identifiers import format_cep
from models.db import UTCDateTime, db, get_row
from models.errors import Conflict, Invalid, NotFound

UNIT_KINDS = ("sala", "apartamento")
MAX_ADDRESSES = 50  # per customer
FROM_CEP = ("street", "district", "city", "state")  # parts the CEP fills in when left out
REQUIRED = ("street", "city", "state")


class Address(Audited, db.Model):
    """One of a customer's addresses: installation, billing, delivery, ..."""

    __tablename__ = "customer_addresses"
    __table_args__ = (
        CheckConstraint(f"unit_kind IN {UNIT_KINDS!r}", name="unit_kind_known"),
        CheckConstraint("(unit IS NULL) = (unit_kind IS NULL)", name="unit_with_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    cep: Mapped[str] = mapped_column(String(8))
    street: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(20))
    unit_kind: Mapped[str | None] = mapped_column(String(12))
    unit: Mapped[str | None] = mapped_column(String(20))
    complement: Mapped[str | None] = mapped_column(String(120))
    district: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2))
    reference: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_customer_code(self) -> int:
        return self.customer_code

    def audit_value(self, key: str, value):
        return format_cep(value) if key == "cep" and value else value


def addresses_for(customer_codes: list[int]) -> dict[int, list[Address]]:
    """The addresses of these customers in one query, by customer code, oldest first."""
    found: dict[int, list[Address]] = defaultdict(list)
    query = (
        db.select(Address)
        .where(Address.customer_code.in_(customer_codes))
        .order_by(Address.customer_code, Address.id)
    )
    for address in db.session.scalars(query):
        found[address.customer_code].append(address)
    return found


def list_addresses(code: int) -> list[Address]:
    get_customer(code)
    return addresses_for([code])[code]


def get_address(code: int, address_id: int, for_update: bool = False) -> Address:
    """The customer's address, or NotFound (also for another customer's address)."""
    get_customer(code)
    address = get_row(Address, address_id, "Address", for_update)
    if address.customer_code != code:
        raise NotFound(f"Address {address_id} not found.")
    return address


def _check_type(kind: str, types: tuple[str, ...]) -> None:
    if kind not in types:
        raise Invalid.field("type", f"One of: {', '.join(types)} (setting ADDRESS_TYPES).")


def create_address(code: int, data: dict, types: tuple[str, ...], provider: CepProvider):
    """Add an address; street, district, city and state left out come from the CEP."""
    _check_type(data["type"], types)
    customer = get_customer(code, for_update=True)  # one writer counts at a time
    count = db.select(db.func.count(Address.id)).where(Address.customer_code == code)
    if db.session.scalar(count) >= MAX_ADDRESSES:
        raise Conflict(f"A customer has at most {MAX_ADDRESSES} addresses; delete one first.")
    values = {**_from_cep(data, provider, strict=True), **data}
    address = Address(customer_code=customer.code, **values)
    db.session.add(address)
    db.session.flush()
    return address


def update_address(code: int, address_id: int, changes: dict, types, provider: CepProvider):
    """Change some parts; a new CEP refills the parts not given when the directory knows it."""
    if "type" in changes:
        _check_type(changes["type"], types)
    address = get_address(code, address_id, for_update=True)
    if changes.get("cep", address.cep) != address.cep:
        changes = {**_from_cep(changes, provider, strict=False), **changes}
    unit_kind = changes.get("unit_kind", address.unit_kind)
    if (changes.get("unit", address.unit) is None) != (unit_kind is None):
        name = "unit" if "unit" in changes else "unit_kind"
        message = "unit and unit_kind go together: give both, or set both to null."
        raise Conflict("The change does not fit the address as stored.", {name: [message]})
    for key, value in changes.items():
        setattr(address, key, value)
    db.session.flush()
    return address


def delete_address(code: int, address_id: int) -> None:
    """Remove the address; the customer's history records the deletion."""
    db.session.delete(get_address(code, address_id, for_update=True))
    db.session.flush()


def _from_cep(data: dict, provider: CepProvider, strict: bool) -> dict:
    """The parts `data` leaves out, from the CEP's entry (only those it has).

    `strict` (a new address): a required part neither given nor known is a 422 naming it.
    A provider that cannot answer never blocks an address whose required parts were typed:
    it is saved without the rest; only when a required part is missing is it a 503 naming them.
    """
    wanted = [part for part in FROM_CEP if part not in data]
    if not wanted:
        return {}
    unavailable = None
    try:
        entry = find_cep(data["cep"], provider)
    except ProviderUnavailable as error:
        entry, unavailable = None, error
    filled = {part: getattr(entry, part) for part in wanted if entry and getattr(entry, part)}
    missing = [part for part in REQUIRED if part not in data and part not in filled]
    if strict and missing and unavailable is not None:
        why = "Required: the CEP provider cannot answer now; type it in."
        raise ProviderUnavailable(unavailable.message, {part: [why] for part in missing})
    if strict and missing:
        why = "the directory has none for this CEP" if entry else "the CEP is not in the directory"
        raise Invalid(
            "Some parts of the address are missing.",
            {part: [f"Required: {why}."] for part in missing},
        )
    return filled
