"""A customer's exception options ("Outras Opções", manual [5.1]): one row per customer.

The billing and notice jobs select customers by these flags across the whole base: each flag
has a partial index holding only the customers that have it on, so `customers_with_option`
reads just those keys, in code order (a job pages through them by `customer_code > last`).
"""

from sqlalchemy import Boolean, ForeignKey, Index, Select, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.backend import partial_on_flag
from models.customers.customers import get_customer
from models.customers.fiscal_activity_codes import usable_code
from models.customers.settings import CustomerSettings
from models.db import db
from models.errors import Invalid
from models.settings import current


class CustomerOptions(Audited, db.Model):
    """The exception options of one customer; the flags' names are web.config's
    CUSTOMER_OPTION_FLAGS (a test keeps the two in step)."""

    __tablename__ = "customer_options"

    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), primary_key=True)
    auto_suspend: Mapped[bool] = mapped_column(Boolean, default=False)
    charge_boleto_fee: Mapped[bool] = mapped_column(Boolean, default=False)
    itemized_invoice: Mapped[bool] = mapped_column(Boolean, default=False)
    charge_extra_email: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_promotional_discounts: Mapped[bool] = mapped_column(Boolean, default=False)
    send_boleto_email: Mapped[bool] = mapped_column(Boolean, default=False)
    send_overdue_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    fiscal_activity_code: Mapped[str | None] = mapped_column(
        String(12), ForeignKey("fiscal_activity_codes.code")
    )

    def audit_customer_code(self) -> int:
        return self.customer_code


FLAGS = tuple(
    column.key for column in CustomerOptions.__table__.columns if isinstance(column.type, Boolean)
)
for _flag in FLAGS:
    # The customers with this flag on, alone (SQLite spells true as 1, as SQLAlchemy sends it).
    Index(
        f"ix_customer_options_{_flag}_on",
        CustomerOptions.__table__.c.customer_code,
        **partial_on_flag(_flag),
    )


def _defaults(code: int) -> dict:
    """The row a new customer gets: the flags CUSTOMER_DEFAULT_OPTIONS names switched on."""
    switched_on = set(current(CustomerSettings).default_options)
    return {"customer_code": code, **{flag: flag in switched_on for flag in FLAGS}}


def add_default_options(code: int) -> None:
    """Give a new customer its default options (in the caller's transaction).

    Not a change anyone made, so it is written around the history; later changes are recorded.
    """
    db.session.execute(insert(CustomerOptions.__table__).values(_defaults(code)))


def get_options(code: int) -> CustomerOptions:
    """The customer's options (the defaults, unsaved, for a customer loaded around the API)."""
    get_customer(code)
    return db.session.get(CustomerOptions, code) or CustomerOptions(**_defaults(code))


def replace_options(code: int, data: dict) -> CustomerOptions:
    """Replace every option at once (validated input: all flags and the fiscal code)."""
    get_customer(code, for_update=True)  # one writer per customer: the row is made once
    if set(data) != {*FLAGS, "fiscal_activity_code"}:
        raise Invalid("Send every option.", {"options": ["All flags and fiscal_activity_code."]})
    usable_code(data["fiscal_activity_code"])
    options = db.session.get(CustomerOptions, code, populate_existing=True)
    if options is None:
        options = CustomerOptions(**_defaults(code))
        db.session.add(options)
    for key, value in data.items():
        setattr(options, key, value)
    db.session.flush()
    return options


def customers_with_option(flag: str) -> Select:
    """SELECT customer_code of the customers with `flag` on, in code order (index-served)."""
    if flag not in FLAGS:
        raise ValueError(f"unknown option flag {flag!r}; known: {', '.join(FLAGS)}")
    column = CustomerOptions.__table__.c[flag]
    return (
        db.select(CustomerOptions.customer_code)
        .where(column)  # bare, as the indexes' predicate is written: PostgreSQL matches it
        .order_by(CustomerOptions.customer_code)
    )
