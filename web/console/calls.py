"""Ligações [6.7]: the customer's calls in a period, with their totals, a page at a time, as
GET /customers/<code>/calls answers them (same schema, same operation), narrowed by terminal,
termination type and period (dd/mm/aaaa); Exportar [6.6.1] as from Conexões."""

from models.customers.customers import get_customer
from models.extracts import extracts
from schemas.extracts.calls import CallQuery
from web.console.blueprint import bp
from web.console.connections import duration, extract_page
from web.console.exports import export_form, start
from web.console.forms import last_page
from web.console.record import render_tab
from web.permissions import READ, WRITE
from web.security import requires

PER_PAGE = 50
FILTERS = ("terminal", "termination", "from", "to")
TERMINATIONS = dict(extracts.TERMINATION_LABELS)


@bp.route("/clientes/<int:code>/ligacoes", methods=["GET"])
@requires("extracts", READ)
def calls(code: int):
    """The customer's calls (the last 30 days by default), oldest first, with the totals of the
    whole filter; a refused filter shows its error beside it (422)."""
    customer = get_customer(code)
    values, page, rows, totals, errors = extract_page(
        extracts.CALLS, code, FILTERS, CallQuery(), PER_PAGE
    )
    args = {name: value for name, value in values.items() if value}
    return render_tab(
        "ligacoes",
        "console/extratos/ligacoes.html",
        customer,
        values=values,
        rows=rows,
        totals=totals,
        errors=errors,
        page=page,
        last_page=last_page(int(totals["rows"]), PER_PAGE) if totals else 1,
        args={"code": code, **args},
        duration=duration,
        terminations=TERMINATIONS,
    ), (422 if errors else 200)


@bp.route("/clientes/<int:code>/ligacoes/exportar", methods=["GET"])
@requires("extracts", WRITE)
def calls_export_form(code: int):
    return export_form(extracts.CALLS, code)


@bp.route("/clientes/<int:code>/ligacoes/exportar", methods=["POST"])
@requires("extracts", WRITE)
def calls_export(code: int):
    return start(extracts.CALLS, code)
