"""The customer record ("Cadastro do Cliente", manual [5]) and the operations on it."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.backend import NEVER_REUSE_KEYS, covering_index, prefix_index, trigram_index
from models.clock import utcnow
from models.customers.identifiers import fold, format_cep, format_cnpj, format_cpf, format_phone
from models.db import UTCDateTime, db, flush_or_conflict, get_row
from models.errors import Conflict, Invalid
from models.fiscal.ibge import uf_of_city_code

PF, PJ = "PF", "PJ"
PJ_ONLY_FIELDS = ("trade_name", "state_registration")
ADDRESS_PARTS = ("street", "number", "complement", "district", "city", "state", "cep", "reference")
# The municipality's IBGE code (7 digits): the NFCom needs the customer's (models/fiscal).
ADDRESS_PARTS += ("city_code",)
REQUIRED_ADDRESS_PARTS = ("street", "number", "district", "city", "state", "cep")
# The two embedded addresses, by API name and column prefix.
ADDRESSES = {"address": "address_", "billing_address": "billing_"}


class Customer(Audited, db.Model):
    """A customer: a person (PF) or a company (PJ), addressed by its sequential `code`."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("kind IN ('PF', 'PJ')", name="kind_known"),
        # Trigram indexes serve substring search on PostgreSQL (see
        # models/customers/customer_search.py).
        trigram_index("ix_customers_search_name_trgm", "search_name"),
        trigram_index("ix_customers_search_contact_trgm", "search_contact"),
        trigram_index("ix_customers_search_address_trgm", "search_address"),
        # Alphabetical lists (sort=name) walk this index the way code order walks the key;
        # with `active` it answers a name search without reading the rows (index-only).
        covering_index("ix_customers_search_name_code", "search_name", "code", include=["active"]),
        prefix_index("ix_customers_search_city_prefix", "search_city"),
        prefix_index("ix_customers_document_prefix", "document", ops="varchar_pattern_ops"),
        NEVER_REUSE_KEYS,  # never reuse a code, even after a failed insert
    )
    __audit_ignore__ = frozenset(
        {
            "created_at",
            "updated_at",
            "search_name",
            "search_contact",
            "search_city",
            "search_address",
        }
    )

    code: Mapped[int] = mapped_column(Integer, primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    kind: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(150))
    trade_name: Mapped[str | None] = mapped_column(String(150))
    # CPF (11 digits) or CNPJ (14 characters; alphanumeric since 2026), without punctuation.
    document: Mapped[str] = mapped_column(String(14), unique=True)
    state_registration: Mapped[str | None] = mapped_column(String(20))
    # Main address (Endereço); CEP as 8 digits, state as a UF.
    address_street: Mapped[str | None] = mapped_column(String(120))
    address_number: Mapped[str | None] = mapped_column(String(20))
    address_complement: Mapped[str | None] = mapped_column(String(120))
    address_district: Mapped[str | None] = mapped_column(String(120))
    address_city: Mapped[str | None] = mapped_column(String(120))
    address_state: Mapped[str | None] = mapped_column(String(2))
    address_cep: Mapped[str | None] = mapped_column(String(8))
    address_reference: Mapped[str | None] = mapped_column(String(120))
    address_city_code: Mapped[str | None] = mapped_column(String(7))
    condominium: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(11))
    fax: Mapped[str | None] = mapped_column(String(11))
    mobile: Mapped[str | None] = mapped_column(String(11))
    email: Mapped[str | None] = mapped_column(String(254))
    # Billing address (Endereço Cobrança); all empty means: use the main address.
    billing_street: Mapped[str | None] = mapped_column(String(120))
    billing_number: Mapped[str | None] = mapped_column(String(20))
    billing_complement: Mapped[str | None] = mapped_column(String(120))
    billing_district: Mapped[str | None] = mapped_column(String(120))
    billing_city: Mapped[str | None] = mapped_column(String(120))
    billing_state: Mapped[str | None] = mapped_column(String(2))
    billing_cep: Mapped[str | None] = mapped_column(String(8))
    billing_reference: Mapped[str | None] = mapped_column(String(120))
    billing_city_code: Mapped[str | None] = mapped_column(String(7))
    notes: Mapped[str | None] = mapped_column(Text)
    # The billing account its boletos are issued on (null: the default one); a subscription
    # may name another (models/billing/boletos.py). Checked by models/customers/registration.py.
    billing_account_id: Mapped[int | None] = mapped_column(ForeignKey("billing_accounts.id"))
    # Folded (lower case, no accents) copies that search reads; kept up to date on flush.
    # Text, not VARCHAR(n): folding can lengthen a string (NFKD turns one character into many).
    search_name: Mapped[str] = mapped_column(Text, default="")
    search_contact: Mapped[str] = mapped_column(Text, default="")
    search_city: Mapped[str] = mapped_column(Text, default="")
    # Main address: street, number, district, condominium, CEP (8 digits). The server default
    # lets the migration add the column to a filled table; the ORM always sets the value.
    search_address: Mapped[str] = mapped_column(Text, default="", server_default="")

    def audit_customer_code(self) -> int:
        return self.code

    def audit_value(self, key: str, value):
        """History shows identifiers formatted, as the API does."""
        if value is None:
            return None
        if key == "document":
            return format_cpf(value) if len(value) == 11 else format_cnpj(value)
        if key.endswith("_cep"):
            return format_cep(value)
        if key in ("phone", "fax", "mobile"):
            return format_phone(value)
        return value

    def audit_field_name(self, key: str) -> str:
        if key == "document":
            return self.document_field
        for api_name, prefix in ADDRESSES.items():
            part = key.removeprefix(prefix)
            if key.startswith(prefix) and part in ADDRESS_PARTS:  # not billing_account_id
                return f"{api_name}.{part}"
        return key

    def get_address(self, api_name: str) -> dict | None:
        """One embedded address as a dict, or None when it has no part filled in."""
        prefix = ADDRESSES[api_name]
        parts = {part: getattr(self, prefix + part) for part in ADDRESS_PARTS}
        return parts if any(value is not None for value in parts.values()) else None

    def set_address(self, api_name: str, parts: dict | None) -> None:
        prefix = ADDRESSES[api_name]
        for part in ADDRESS_PARTS:
            setattr(self, prefix + part, (parts or {}).get(part))

    @property
    def address(self) -> dict | None:
        return self.get_address("address")

    @property
    def billing_address(self) -> dict | None:
        return self.get_address("billing_address")

    @property
    def document_field(self) -> str:
        """The API name of this customer's document: cpf for PF, cnpj for PJ."""
        return "cpf" if self.kind == PF else "cnpj"

    @property
    def cpf(self) -> str | None:
        return self.document if self.kind == PF else None

    @property
    def cnpj(self) -> str | None:
        return self.document if self.kind == PJ else None


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _refresh_search_columns(_mapper, _connection, customer: Customer) -> None:
    customer.search_name = fold(f"{customer.name} {customer.trade_name or ''}")
    contact = (customer.email, customer.phone, customer.mobile, customer.fax)
    customer.search_contact = " ".join(value for value in contact if value)
    customer.search_city = fold(customer.address_city or "")
    # The migration 6b2f1d4c8e53 and bench/search.py derive it the same way: change them too.
    address = (
        customer.address_street,
        customer.address_number,
        customer.address_district,
        customer.condominium,
        customer.address_cep,
    )
    customer.search_address = fold(" ".join(part for part in address if part))


def get_customer(code: int, for_update: bool = False) -> Customer:
    """The customer with `code`; `for_update` locks the row until commit (before a change)."""
    return get_row(Customer, code, "Customer", for_update)


def customer_names(codes) -> dict[int, str]:
    """{code: name} of the customers with these codes (one query; a list's rows name them)."""
    codes = set(codes)
    if not codes:
        return {}
    query = db.select(Customer.code, Customer.name).where(Customer.code.in_(codes))
    return {code: name for code, name in db.session.execute(query)}


def _broken_rule(customer: Customer, errors: dict) -> Invalid | Conflict:
    """Invalid input (422) for a new customer; a conflict with the record (409) for a stored one.

    The API's schema refuses a body that breaks the rules by itself, so a change to a stored
    customer that still breaks them does so only together with what is stored.
    """
    if customer.code is None:
        return Invalid("The customer record is not valid.", errors)
    return Conflict("The change does not fit the customer as stored.", errors)


def _check_rules(customer: Customer) -> None:
    """Rules that span fields, checked on the record as it would be saved."""
    errors: dict[str, list[str]] = {}
    if customer.kind == PF:
        for name in PJ_ONLY_FIELDS:
            if getattr(customer, name) is not None:
                errors[name] = ["Only for PJ (pessoa jurídica) customers; this one is PF."]
    if customer.document is None:
        errors[customer.document_field] = [f"Required for {customer.kind} customers."]
    elif len(customer.document) != (11 if customer.kind == PF else 14):
        errors[customer.document_field] = [
            f"Required for {customer.kind} customers (the record holds another)."
        ]
    for api_name in ADDRESSES:
        address = customer.get_address(api_name)
        if address is None and api_name == "billing_address":
            continue  # no billing address: boletos go to the main one
        missing = [part for part in REQUIRED_ADDRESS_PARTS if not (address or {}).get(part)]
        if missing:
            errors[api_name] = [f"Missing: {', '.join(missing)}."]
        elif address["city_code"] and uf_of_city_code(address["city_code"]) != address["state"]:
            errors[api_name] = [f"city_code: not a municipality of {address['state']}."]
    if errors:
        raise _broken_rule(customer, errors)


def _check_document_free(customer: Customer) -> None:
    query = db.select(Customer.code).where(Customer.document == customer.document)
    if customer.code is not None:
        query = query.where(Customer.code != customer.code)
    with db.session.no_autoflush:  # a pending new customer must not find itself
        taken = db.session.scalar(query)
    if taken is not None:
        field = customer.document_field
        raise Conflict(
            f"Another customer (code {taken}) has this {field.upper()}.",
            {field: [f"Already registered for customer {taken}."]},
        )


def _apply_document(customer: Customer, data: dict) -> None:
    """Take `cpf` or `cnpj` from the input, whichever fits the customer's kind."""
    own = customer.document_field
    other, other_kind = ("cnpj", PJ) if own == "cpf" else ("cpf", PF)
    if data.get(other) is not None:
        raise _broken_rule(customer, {other: [f"Only for {other_kind} customers."]})
    data.pop(other, None)
    if own in data:
        customer.document = data.pop(own)


def _apply(customer: Customer, data: dict) -> None:
    """Copy validated API fields onto the entity; nested addresses are merged part by part."""
    data = dict(data)
    if "kind" in data:
        customer.kind = data.pop("kind")
    _apply_document(customer, data)
    for api_name in ADDRESSES:
        if api_name in data:
            parts = data.pop(api_name)
            current = customer.get_address(api_name) or {}
            merged = None if parts is None else {**current, **parts}
            if merged and "city_code" not in parts and merged.get("state") != current.get("state"):
                merged["city_code"] = None  # another state's municipality: the code is stale
            customer.set_address(api_name, merged)
    for key, value in data.items():
        setattr(customer, key, value)


def _save(customer: Customer) -> Customer:
    """Check the rules, then add and flush; a customer that breaks them never reaches the session.

    When this raises after changing a customer already in the session, the caller rolls back
    (the web error handler does; a task or command must too).
    """
    _check_rules(customer)
    _check_document_free(customer)
    db.session.add(customer)
    field = customer.document_field
    taken = Conflict(
        f"Another customer has this {field.upper()}.", {field: ["Already registered."]}
    )
    flush_or_conflict("uq_customers_document", taken)
    return customer


def insert_customer(data: dict) -> Customer:
    """The customer row alone from validated input; models/customers/registration.py's
    create_customer is the operation (it adds the default options in the same transaction)."""
    customer = Customer(active=True)
    _apply(customer, data)
    return _save(customer)


def apply_changes(customer: Customer, data: dict) -> Customer:
    """Apply validated changes to the record; the whole record must still follow the rules."""
    _apply(customer, data)
    return _save(customer)
