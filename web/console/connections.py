"""Conexões [6.6]: the customer's RADIUS sessions in a period, with their totals, a page at a
time, as GET /customers/<code>/connections answers them (same schema, same operation), narrowed
by login, NAS and period (dd/mm/aaaa)."""

from flask import request

from models.customers.customers import get_customer
from models.errors import DomainError
from models.extracts import extracts, record_reads
from schemas.extracts.connections import StaffConnectionQuery
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, domain_errors, last_page, load
from web.console.record import render_tab
from web.permissions import READ
from web.security import requires

PER_PAGE = 50
FILTERS = ("login", "nas", "from", "to")

add_messages(
    (r"The period may be at most (\d+) days long\.", "O período pode ter no máximo {0} dias."),
    (r"'(.*)' is not one of this customer's\.", "'{0}' não é deste cliente."),
    (r"Not a valid IP address\.", "Informe o IP do NAS (por exemplo 10.0.0.1)."),
)


def duration(seconds) -> str:
    """Seconds as hh:mm:ss (hours past 24 stay hours)."""
    seconds = int(seconds or 0)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def volume(count) -> str:
    """Bytes as the manual shows traffic: in MB, GB... with a decimal comma."""
    count = int(count or 0)
    size, unit = float(count), "B"
    for unit in ("B", "KB", "MB", "GB", "TB", "PB", "EB"):
        if size < 1024 or unit == "EB":
            break
        size /= 1024
    text = f"{size:.0f}" if unit == "B" else f"{size:,.2f}"
    return f"{text.replace(',', '_').replace('.', ',').replace('_', '.')} {unit}"


def extract_page(source: str, code: int, fields: tuple[str, ...], schema, per_page: int):
    """(values as typed, page, rows, totals, errors) of a customer's extract from request.args."""
    return filtered_page(
        source, fields, schema, per_page, lambda query: {**query, "customer_code": code}
    )


def filtered_page(source: str, fields: tuple[str, ...], schema, per_page: int, narrowed):
    """(values as typed, page, rows, totals, errors) of an extract from request.args: `fields`
    loaded by `schema`, then `narrowed(query)` are the operation's filters (it may refuse)."""
    values = {name: request.args.get(name, "") for name in fields}
    body = body_from(request.args, (*fields, "page"), dates=("from", "to"))
    query, errors = load(schema, {**body, "per_page": per_page})
    rows, totals, page = [], None, 1
    if query is not None:
        page = query.pop("page")
        query.pop("per_page")
        try:
            filters = narrowed(query)
            rows, totals = extracts.page_and_totals(source, filters, page, per_page)
            if source == extracts.CONNECTIONS:
                log = record_reads.CONSOLE
                record_reads.record_extract(log, filters, len(rows), page, per_page)
        except DomainError as error:
            errors = domain_errors(error)
    return values, page, rows, totals, errors


def sessions_shown(values: dict, page: int, rows: list, totals, errors: dict) -> dict:
    """What templates/console/extratos/sessoes.html (and its filters) shows of a page of
    sessions; `args` are the filters typed, for the pages' links."""
    return {
        "values": values,
        "rows": rows,
        "totals": totals,
        "errors": errors,
        "page": page,
        "last_page": last_page(totals["rows"], PER_PAGE) if totals else 1,
        "args": {name: value for name, value in values.items() if value},
        "duration": duration,
        "volume": volume,
    }


@bp.route("/clientes/<int:code>/conexoes", methods=["GET"])
@requires("extracts", READ)
def connections(code: int):
    """The customer's sessions (the last 30 days by default), oldest first, with the totals of
    the whole filter; a refused filter shows its error beside it (422)."""
    customer = get_customer(code)
    found = extract_page(extracts.CONNECTIONS, code, FILTERS, StaffConnectionQuery(), PER_PAGE)
    shown = sessions_shown(*found)
    shown["args"] = {"code": code, **shown["args"]}
    return render_tab("conexoes", "console/extratos/conexoes.html", customer, **shown), (
        422 if shown["errors"] else 200
    )
