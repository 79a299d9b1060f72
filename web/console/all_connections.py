"""Conexões (todas) [6.6]: everyone's RADIUS sessions, for technicians and support, as
GET /connections answers them (same schema, StaffConnectionQuery; same rule and operation,
extracts.everyones_connection_filters and page_and_totals), narrowed by login, NAS, customer
and period (dd/mm/aaaa). Each session shows the customer its login belongs to, linking to
their Conexões tab. The rows, totals and pages are the tab's (extratos/sessoes.html)."""

from models.customers.customers import get_customer
from models.errors import Invalid, NotFound
from models.extracts import extracts
from schemas.extracts.connections import StaffConnectionQuery
from web.console.blueprint import bp, render
from web.console.connections import PER_PAGE, filtered_page, sessions_shown
from web.console.forms import add_messages
from web.permissions import READ
from web.security import requires

FILTERS = ("login", "nas", "customer_code", "from", "to")

add_messages(
    (
        r"Without login, nas or customer_code, ask for one day; export for more\.",
        "Sem login, NAS ou cliente, escolha um só dia.",
    ),
    (r"Customer \d+ not found\.", "Cliente não encontrado."),
)


def _narrowed(query: dict) -> dict:
    """The operation's filters; a customer's code that is no one's is refused beside its field
    (the API answers it 404: here it is something typed)."""
    if query.get("customer_code"):
        try:
            get_customer(query["customer_code"])
        except NotFound as error:
            raise Invalid.field("customer_code", error.message) from error
    return extracts.everyones_connection_filters(query)


@bp.route("/conexoes", methods=["GET"])
@requires("extracts", READ)
def all_connections():
    """Everyone's sessions (today by default), oldest first, with the totals of the whole
    filter; a refused filter shows its error beside it (422)."""
    found = filtered_page(
        extracts.CONNECTIONS, FILTERS, StaffConnectionQuery(), PER_PAGE, _narrowed
    )
    shown = sessions_shown(*found)
    shown["owners"] = extracts.login_owners(row["login"] for row in shown["rows"])
    return render("console/extratos/conexoes_todas.html", **shown), (
        422 if shown["errors"] else 200
    )
