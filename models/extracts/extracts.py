"""Connection and call extracts [6.6, 6.7]: what each holds, its filters, and one query for the
screen and the export file alike.

A source is a list of columns (field, Portuguese heading, kind, default width) over one filtered,
ordered SELECT. The API pages it; an export streams all of it (tasks/extracts.py). Periods are
dates in the ISP's time zone, from `from` to `to` inclusive, and are capped in length.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from models.backend import address_text, address_value
from models.clock import local_days, local_today, shift_days
from models.customers.customers import Customer, get_customer
from models.db import db
from models.errors import Invalid
from models.extracts.calls import TERMINATIONS, Call
from models.extracts.settings import ExtractSettings
from models.service.items import RADIUS_LOGIN, VOIP_TERMINAL, Item
from models.service.radius import RadAcct
from models.settings import current

CONNECTIONS, CALLS = "connections", "calls"
SOURCES = (CONNECTIONS, CALLS)
# Column kinds: how a value is written to a file and whether a totals row sums it.
TEXT, DATETIME, INTEGER, SECONDS, BYTES, MONEY = (
    "text",
    "datetime",
    "integer",
    "seconds",
    "bytes",
    "money",
)
SUMMED = (SECONDS, BYTES, MONEY)
# Seconds shown as hh:mm:ss (a time duration in XLSX): files only, beside the seconds column
# whose sum is its total.
DURATION = "duration"
# What a file shows for each termination type (the API and the filters keep the codes).
TERMINATION_LABELS = (
    ("local", "Local"),
    ("long_distance", "Longa distância"),
    ("mobile", "Móvel"),
    ("international", "Internacional"),
    ("toll_free", "0800 (gratuita)"),
    ("special", "Especial"),
)
DEFAULT_DAYS = 30  # a period left out is the last 30 days
# Everyone's sessions with no login, NAS or customer to narrow them: its totals read every
# session of the period (a month of a mid-size ISP is millions: seconds, not milliseconds).
UNNARROWED_MAX_DAYS = 1
NARROWING = ("login", "nas", "customer_code")


@dataclass(frozen=True)
class Column:
    """One column a source offers: its field, default heading and width, kind, and SQL."""

    field: str
    title: str
    kind: str
    width_px: int
    expression: ColumnElement
    # Text from outside (a NAS, a CPE's Calling-Station-Id) may start with = + - @ and must be
    # neutralised in files; an address PostgreSQL formats itself cannot.
    free_text: bool = True
    total_of: str | None = None  # the summed column whose total this one shows (hh:mm:ss)
    labels: tuple[tuple[str, str], ...] = ()  # (code, what a file shows instead)

    @property
    def summed(self) -> bool:
        return self.kind in SUMMED or self.total_of is not None

    @property
    def total_key(self) -> str:
        """The key of this column's total among the sums (models.extracts.extracts.sums_of)."""
        return self.total_of or self.field

    @property
    def in_file(self) -> ColumnElement:
        """The SQL of the value a file shows: a code as its Portuguese label."""
        if not self.labels:
            return self.expression
        return case(dict(self.labels), value=self.expression, else_=self.expression)


def _hms(field: str, title: str, seconds: Column) -> Column:
    """`seconds` (a column of seconds) again, shown as hh:mm:ss."""
    return Column(field, title, DURATION, 90, seconds.expression, total_of=seconds.field)


def connection_columns() -> list[Column]:
    duration = Column(
        "duration_s", "Duração (s)", SECONDS, 90, func.coalesce(RadAcct.acctsessiontime, 0)
    )
    return [
        Column("login", "Login", TEXT, 120, RadAcct.username),
        Column("start", "Início", DATETIME, 130, RadAcct.acctstarttime),
        Column("stop", "Fim", DATETIME, 130, RadAcct.acctstoptime),
        duration,
        _hms("duration_hms", "Duração (hh:mm:ss)", duration),
        # acctoutputoctets are the NAS's output: what the customer downloaded.
        Column(
            "download_bytes",
            "Download (bytes)",
            BYTES,
            120,
            func.coalesce(RadAcct.acctoutputoctets, 0),
        ),
        Column(
            "upload_bytes", "Upload (bytes)", BYTES, 120, func.coalesce(RadAcct.acctinputoctets, 0)
        ),
        Column(
            "framed_ip", "IP", TEXT, 110, address_text(RadAcct.framedipaddress), free_text=False
        ),
        Column("mac", "MAC", TEXT, 120, RadAcct.callingstationid),
        Column("nas", "NAS", TEXT, 110, address_text(RadAcct.nasipaddress), free_text=False),
        Column("termination_cause", "Motivo do término", TEXT, 140, RadAcct.acctterminatecause),
    ]


def call_columns() -> list[Column]:
    duration = Column("duration_s", "Duração (s)", SECONDS, 90, Call.duration_s)
    billed = Column("billed_s", "Tarifado (s)", SECONDS, 90, Call.billed_s)
    return [
        Column("started_at", "Data/hora", DATETIME, 130, Call.started_at),
        Column("origin", "Origem", TEXT, 110, Call.terminal),
        Column("destination", "Destino", TEXT, 120, Call.destination),
        duration,
        _hms("duration_hms", "Duração (hh:mm:ss)", duration),
        billed,
        _hms("billed_hms", "Tarifado (hh:mm:ss)", billed),
        Column(
            "termination",
            "Tipo de terminação",
            TEXT,
            120,
            Call.termination,
            free_text=False,  # one of TERMINATION_LABELS: nothing a spreadsheet would run
            labels=TERMINATION_LABELS,
        ),
        Column("cost", "Custo (R$)", MONEY, 90, Call.cost),
    ]


def columns_of(source: str) -> list[Column]:
    """Every column `source` offers, in its default order."""
    return connection_columns() if source == CONNECTIONS else call_columns()


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, inclusive dates in the ISP's zone, as UTC instants [start, end)."""

    first: date
    last: date
    starts: datetime
    ends: datetime


def max_days() -> int:
    return current(ExtractSettings).max_days


def checked_period(first: date | None, last: date | None) -> Period:
    """The period asked for (the last 30 days by default), or 422 when it is reversed or longer
    than EXTRACT_MAX_DAYS: an extract of years would hold a worker for hours."""
    last = last or local_today()
    first = first or shift_days(last, 1 - DEFAULT_DAYS, "to")
    if first > last:
        raise Invalid.field("from", "The period starts after it ends.")
    if (last - first).days + 1 > max_days():
        raise Invalid.field("to", f"The period may be at most {max_days()} days long.")
    return Period(first, last, *local_days(first, last, ("from", "to")))


def _usernames_of(customer_code: int, kind: str):
    """The logins (or numbers) the customer has had, deleted ones too: old records stay theirs."""
    column = Item.username if kind == RADIUS_LOGIN else Item.number
    return select(column).where(Item.customer_code == customer_code, Item.kind == kind)


def _belongs(customer_code: int, kind: str, value: str, field: str) -> None:
    found = db.session.scalar(
        _usernames_of(customer_code, kind)
        .where((Item.username if kind == RADIUS_LOGIN else Item.number) == value)
        .limit(1)
    )
    if found is None:
        raise Invalid.field(field, f"{value!r} is not one of this customer's.")


def connections_query(filters: dict) -> Select:
    """Sessions matching `filters` (customer_code, login, nas, from, to), oldest first."""
    period = checked_period(filters.get("from"), filters.get("to"))
    where = [RadAcct.acctstarttime >= period.starts, RadAcct.acctstarttime < period.ends]
    code = filters.get("customer_code")
    if code is not None:
        get_customer(code)  # 404 for a customer that does not exist
        where.append(RadAcct.username.in_(_usernames_of(code, RADIUS_LOGIN)))
        if filters.get("login"):
            _belongs(code, RADIUS_LOGIN, filters["login"], "login")
    if filters.get("login"):
        where.append(RadAcct.username == filters["login"])
    if filters.get("nas"):
        where.append(RadAcct.nasipaddress == address_value(filters["nas"]))
    return select(RadAcct).where(*where).order_by(RadAcct.acctstarttime, RadAcct.radacctid)


def everyones_connection_filters(filters: dict) -> dict:
    """`filters` of everyone's sessions (GET /connections, the console's Conexões (todas)).
    Narrowed by login, NAS or customer, as they are: the period defaults to the last 30 days
    and may be EXTRACT_MAX_DAYS long. Without any of them, one day at most, today in the ISP's
    zone by default (422 on `to` for more): an export is the way to see more."""
    if any(filters.get(name) for name in NARROWING):
        return filters
    last = filters.get("to") or local_today()
    first = filters.get("from") or last
    if (last - first).days + 1 > UNNARROWED_MAX_DAYS:
        raise Invalid.field(
            "to", "Without login, nas or customer_code, ask for one day; export for more."
        )
    return {**filters, "from": first, "to": last}


def login_owners(logins) -> dict[str, tuple[int, str]]:
    """The customer (code, name) each RADIUS login of `logins` belongs to: the one holding it
    now, else the last one that had it (a deleted login's sessions stay its customer's)."""
    logins = {login for login in logins if login}
    if not logins:
        return {}
    query = (
        select(Item.username, Customer.code, Customer.name)
        .join(Customer, Customer.code == Item.customer_code)
        .where(Item.kind == RADIUS_LOGIN, Item.username.in_(logins))
        # Live first, then the most recently deleted, so the first seen of a login wins.
        .order_by(Item.deleted_at.is_not(None), Item.deleted_at.desc(), Item.id.desc())
    )
    owners: dict[str, tuple[int, str]] = {}
    for login, code, name in db.session.execute(query):
        owners.setdefault(login, (code, name))
    return owners


def calls_query(filters: dict) -> Select:
    """Calls matching `filters` (customer_code, terminal, termination, from, to), oldest first."""
    period = checked_period(filters.get("from"), filters.get("to"))
    where = [Call.started_at >= period.starts, Call.started_at < period.ends]
    code = filters.get("customer_code")
    if code is not None:
        get_customer(code)
        where.append(Call.customer_code == code)
        if filters.get("terminal"):
            _belongs(code, VOIP_TERMINAL, filters["terminal"], "terminal")
    if filters.get("terminal"):
        where.append(Call.terminal == filters["terminal"])
    if filters.get("termination"):
        if filters["termination"] not in TERMINATIONS:
            raise Invalid.field("termination", f"Must be one of {', '.join(TERMINATIONS)}.")
        where.append(Call.termination == filters["termination"])
    return select(Call).where(*where).order_by(Call.started_at, Call.id)


def filtered(source: str, filters: dict) -> Select:
    """The source's rows for `filters`, validated (422 naming the field otherwise)."""
    return connections_query(filters) if source == CONNECTIONS else calls_query(filters)


def rows_query(source: str, filters: dict, columns: list[Column]) -> Select:
    """Only `columns`, labelled by field, of the rows matching `filters`, in order."""
    return _only(filtered(source, filters), columns)


def _only(base: Select, columns: list[Column]) -> Select:
    return base.with_only_columns(*(c.expression.label(c.field) for c in columns))


def totals(source: str, filters: dict) -> dict:
    """Row count and the sum of every summed column over the whole filter (not one page).

    Sums are exact integers (or Decimal for money): byte totals pass 2^53, so the API sends
    them as strings."""
    return _totals(source, filtered(source, filters))


def _totals(source: str, base: Select) -> dict:
    return sums_of(db.session.execute(totals_select(source, base)).one()._mapping)


def totals_select(source: str, base: Select) -> Select:
    """The row count and the sum of every summed column of `base`'s rows, in one statement."""
    columns = [c for c in columns_of(source) if c.summed]
    return base.order_by(None).with_only_columns(
        func.count(literal(1)).label("rows"),
        *(func.coalesce(func.sum(c.expression), 0).label(c.field) for c in columns),
    )


def sums_of(row) -> dict:
    """A totals row as Python values: exact integers, and Decimal for money."""
    return {key: (int(value) if key != "cost" else value) for key, value in row.items()}


def page(source: str, filters: dict, page_number: int, per_page: int) -> list[dict]:
    """One page of rows, each a dict by field."""
    return _page(source, filtered(source, filters), page_number, per_page)


def _page(source: str, base: Select, page_number: int, per_page: int) -> list[dict]:
    columns = [c for c in columns_of(source) if c.kind != DURATION]  # hh:mm:ss: files only
    query = _only(base, columns).limit(per_page).offset((page_number - 1) * per_page)
    return [dict(row._mapping) for row in db.session.execute(query)]


def page_and_totals(source: str, filters: dict, page_number: int, per_page: int):
    """(one page of rows, the totals of the whole filter), validating `filters` once: the
    customer and login checks run once per request, not once per statement."""
    base = filtered(source, filters)
    sums = _totals(source, base)
    rows = _page(source, base, page_number, per_page) if sums["rows"] else []
    return rows, sums
