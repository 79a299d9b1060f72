"""Equipment inventory [6.5]: routers, ONUs, switches... each with its patrimony number.

`patrimony_number` is a whole number (1, 2, ... as printed on the asset tag, leading zeros
dropped), so the range search of the manual [6.5.3] is a plain numeric BETWEEN. A MAC address
is stored in lower case with colons, whatever notation it was typed in. The status moves only
through the operations: lending (models/service/equipment_lending.py) makes an item `lent` and
giving
it back `in_stock`; a sale will make it `sold`; staff retire and unretire items in stock.
"""

import re
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, inspect
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.db import UTCDateTime, db, flush_or_conflict, get_row, paginate
from models.errors import Conflict, Invalid

IN_STOCK, LENT, SOLD, RETIRED = "in_stock", "lent", "sold", "retired"
STATUSES = (IN_STOCK, LENT, SOLD, RETIRED)
# What staff may set by hand (PATCH): retiring an item in stock and taking it back.
MANUAL_STATUSES = (IN_STOCK, RETIRED)
_HEX = "[0-9A-Fa-f]"
# AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff (Cisco) and aabbccddeeff.
MAC_PATTERN = (
    f"{_HEX}{{2}}(?::{_HEX}{{2}}){{5}}|{_HEX}{{2}}(?:-{_HEX}{{2}}){{5}}"
    f"|{_HEX}{{4}}(?:[.]{_HEX}{{4}}){{2}}|{_HEX}{{12}}"
)
# Not the address of one device: nobody's NIC carries these.
NOT_A_DEVICE = {"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"}


class Equipment(Audited, db.Model):
    """One piece of equipment of the ISP's inventory, and who holds it when lent."""

    __tablename__ = "equipment"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint("patrimony_number > 0", name="patrimony_number_positive"),
        # A lent item always has its holder; one in stock or retired has none.
        CheckConstraint(
            "(status = 'lent' AND subscription_id IS NOT NULL) OR "
            "(status IN ('in_stock', 'retired') AND subscription_id IS NULL) OR status = 'sold'",
            name="holder_matches_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patrimony_number: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    model: Mapped[str] = mapped_column(String(120))
    serial_number: Mapped[str | None] = mapped_column(String(80), index=True)
    mac: Mapped[str | None] = mapped_column(String(17), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=IN_STOCK, index=True)
    # The holder while lent (the open assignment says by whom and since when).
    customer_code: Mapped[int | None] = mapped_column(ForeignKey("customers.code"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_customer_code(self) -> int | None:
        """The holder; on a return, the customer it came back from (so both see the change)."""
        if self.customer_code is not None:
            return self.customer_code
        previous = inspect(self).attrs.customer_code.history.deleted
        return previous[0] if previous else None


def normalize_mac(raw: str) -> str:
    """A MAC in any accepted notation as aa:bb:cc:dd:ee:ff; ValueError when it is none."""
    if not re.fullmatch(MAC_PATTERN, raw):
        raise ValueError("A MAC such as AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff or aabb.ccdd.eeff.")
    digits = re.sub("[^0-9a-f]", "", raw.lower())
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def get_equipment(equipment_id: int, for_update: bool = False) -> Equipment:
    """The item with `equipment_id`, or NotFound."""
    return get_row(Equipment, equipment_id, "Equipment", for_update)


def _check(data: dict, types: tuple[str, ...]) -> None:
    if "type" in data and data["type"] not in types:
        raise Invalid.field("type", f"Not one of the equipment types: {', '.join(types)}.")
    if data.get("mac") in NOT_A_DEVICE:
        raise Invalid.field("mac", "A broadcast or all-zero address is no device's MAC.")


def _save(equipment: Equipment) -> None:
    taken = Conflict(
        f"Patrimony number {equipment.patrimony_number} is already in use.",
        {"patrimony_number": ["Already in use."]},
    )
    mac_taken = Conflict(f"MAC {equipment.mac} is already in use.", {"mac": ["Already in use."]})
    _check_free(equipment, taken, mac_taken)
    flush_or_conflict("uq_equipment_patrimony_number", taken, {"uq_equipment_mac": mac_taken})


def _check_free(equipment: Equipment, taken: Conflict, mac_taken: Conflict) -> None:
    """A helpful 409 before the flush (the unique constraints catch a parallel writer)."""
    others = db.select(Equipment.id)
    if equipment.id is not None:
        others = others.where(Equipment.id != equipment.id)
    with db.session.no_autoflush:
        number = Equipment.patrimony_number == equipment.patrimony_number
        if db.session.scalar(others.where(number)) is not None:
            raise taken
        if equipment.mac and db.session.scalar(others.where(Equipment.mac == equipment.mac)):
            raise mac_taken


def create_equipment(data: dict, types: tuple[str, ...]) -> Equipment:
    """Add an item to the inventory, in stock; `types` is the EQUIPMENT_TYPES setting."""
    _check(data, types)
    equipment = Equipment(status=IN_STOCK, **data)
    db.session.add(equipment)
    _save(equipment)
    return equipment


def update_equipment(equipment_id: int, changes: dict, types: tuple[str, ...]) -> Equipment:
    """Correct an item's data, or retire (unretire) one in stock."""
    _check(changes, types)
    equipment = get_equipment(equipment_id, for_update=True)
    status = changes.pop("status", equipment.status)
    if status != equipment.status:
        if equipment.status not in MANUAL_STATUSES:
            raise Conflict(
                f"Equipment {equipment.patrimony_number} is {equipment.status}: "
                "only an item in stock is retired, and only a retired one put back.",
                {"status": [f"Cannot change from {equipment.status}."]},
            )
        equipment.status = status
    for key, value in changes.items():
        setattr(equipment, key, value)
    _save(equipment)
    return equipment


def search_equipment(filters: dict, page: int, per_page: int) -> tuple[list[Equipment], int]:
    """The inventory by patrimony range, type, serial, MAC, status or words; by patrimony."""
    query = db.select(Equipment).order_by(Equipment.patrimony_number)
    if "patrimony_from" in filters:
        query = query.where(Equipment.patrimony_number >= filters["patrimony_from"])
    if "patrimony_to" in filters:
        query = query.where(Equipment.patrimony_number <= filters["patrimony_to"])
    for key in ("type", "mac", "status"):
        if filters.get(key) is not None:
            query = query.where(getattr(Equipment, key) == filters[key])
    if filters.get("serial"):
        serial = db.func.lower(Equipment.serial_number)
        query = query.where(serial.contains(filters["serial"].lower(), autoescape=True))
    if filters.get("q"):
        words = filters["q"].lower()
        query = query.where(
            db.or_(
                db.func.lower(column).contains(words, autoescape=True)
                for column in (Equipment.model, Equipment.serial_number, Equipment.type)
            )
        )
    return paginate(query, page, per_page)
