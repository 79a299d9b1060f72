"""Extra fields [5.2, 5.4.11]: fields admins define for customers or contacts, and the table
of their values. Setting and listing values is models/customers/extra_field_values.py's.
"""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited
from models.backend import partial
from models.clock import utcnow
from models.db import JSONType, UTCDateTime, db, flush_or_conflict, get_row
from models.errors import Conflict

CUSTOMER, CONTACT = "customer", "contact"
APPLIES_TO = (CUSTOMER, CONTACT)
TEXT, NUMBER, DATE, CHOICE = "text", "number", "date", "choice"
TYPES = (TEXT, NUMBER, DATE, CHOICE)
_UNIQUE = "uq_extra_field_definitions_applies_to"


class ExtraFieldDefinition(Audited, db.Model):
    """A field admins add to every customer or every contact; withdrawn ones keep their values."""

    __tablename__ = "extra_field_definitions"
    __table_args__ = (
        UniqueConstraint("applies_to", "name"),
        CheckConstraint(f"applies_to IN {APPLIES_TO!r}", name="applies_to_known"),
        CheckConstraint(f"type IN {TYPES!r}", name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    applies_to: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(10))
    options: Mapped[list | None] = mapped_column(JSONType)  # only for a choice field
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExtraFieldValue(Audited, db.Model):
    """One field's value for a customer (no contact) or for one of its contacts.

    Stored as text in the form the field's type gives it; a cleared value keeps its row with
    null, so history shows the field's name, what it held and who cleared it.
    """

    __tablename__ = "extra_field_values"
    __table_args__ = (
        Index(
            "uq_extra_field_values_customer_code",
            "customer_code",
            "definition_id",
            unique=True,
            **partial("contact_id IS NULL"),
        ),
        Index(
            "uq_extra_field_values_contact_id",
            "contact_id",
            "definition_id",
            unique=True,
            **partial("contact_id IS NOT NULL"),
        ),
    )
    __audit_ignore__ = frozenset({"id", "definition_id", "customer_code", "contact_id"})

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("extra_field_definitions.id"), index=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    value: Mapped[str | None] = mapped_column(String(500))

    definition: Mapped[ExtraFieldDefinition] = relationship(lazy="joined")

    def audit_customer_code(self) -> int:
        return self.customer_code

    def audit_field_name(self, key: str) -> str:
        """The field's name as admins defined it; a contact's value says which contact."""
        if self.contact_id is None:
            return self.definition.name
        return f"contact {self.contact_id}: {self.definition.name}"


def list_definitions(
    applies_to: str | None = None, active: bool | None = None
) -> list[ExtraFieldDefinition]:
    """The definitions, by what they apply to and name; narrowed when asked."""
    query = db.select(ExtraFieldDefinition).order_by(
        ExtraFieldDefinition.applies_to, ExtraFieldDefinition.name, ExtraFieldDefinition.id
    )
    if applies_to is not None:
        query = query.where(ExtraFieldDefinition.applies_to == applies_to)
    if active is not None:
        query = query.where(ExtraFieldDefinition.active.is_(active))
    return list(db.session.scalars(query))


def get_definition(field_id: int, for_update: bool = False) -> ExtraFieldDefinition:
    return get_row(ExtraFieldDefinition, field_id, "Extra field", for_update)


def _save(field: ExtraFieldDefinition) -> ExtraFieldDefinition:
    db.session.add(field)
    taken = Conflict(
        f"A {field.applies_to} field named {field.name!r} exists already.",
        {"name": ["Already taken for this applies_to."]},
    )
    flush_or_conflict(_UNIQUE, taken)
    return field


def create_definition(data: dict) -> ExtraFieldDefinition:
    """Define a field (the input schema has checked its options against its type)."""
    return _save(ExtraFieldDefinition(**{"active": True, "required": False, **data}))


def _stored(field_id: int):
    """Values held by the field (cleared ones are not values)."""
    return db.select(ExtraFieldValue.value).where(
        ExtraFieldValue.definition_id == field_id, ExtraFieldValue.value.is_not(None)
    )


def update_definition(field_id: int, changes: dict) -> ExtraFieldDefinition:
    """Change a definition; stored values must keep matching it (409 otherwise).

    Its type and applies_to are fixed once values exist, and a choice option that values use
    cannot be removed: the values stay as they are and the change is refused.
    """
    field = get_definition(field_id, for_update=True)
    if "type" in changes and changes["type"] != field.type and "options" not in changes:
        changes = {**changes, "options": None}  # options belonged to the old type
    fixed = [k for k in ("type", "applies_to") if k in changes and changes[k] != getattr(field, k)]
    if fixed and db.session.scalar(_stored(field.id).limit(1)) is not None:
        errors = {name: ["Values are stored for this field: it cannot change."] for name in fixed}
        raise Conflict(f"Field {field.name!r} has values stored.", errors)
    if field.type == CHOICE and changes.get("options") is not None:
        used = db.session.scalars(_stored(field.id).distinct())
        dropped = sorted(set(used) - set(changes["options"]))
        if dropped:
            message = f"Options used by stored values: {', '.join(dropped)}."
            raise Conflict(message, {"options": [message]})
    for key, value in changes.items():
        setattr(field, key, value)
    _check_options(field)
    return _save(field)


def _check_options(field: ExtraFieldDefinition) -> None:
    """A choice field has options and no other type has any (the stored half may disagree)."""
    if field.type == CHOICE and not field.options:
        raise Conflict("A choice field needs options.", {"options": ["Required for choice."]})
    if field.type != CHOICE and field.options:
        raise Conflict(
            f"A {field.type} field takes no options.", {"options": ["Only for choice fields."]}
        )
