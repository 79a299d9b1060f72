"""The customer record [5]: a summary header an attendant reads in one glance, and its tabs.

Each tab is a module of this package adding its routes to `bp`; TABS orders them and names what
a role needs to see one (a tab the role may not read is not offered, and its route refuses).
"""

from dataclasses import dataclass

from flask import current_app, flash, g, redirect, url_for

from models.customers.customers import get_customer
from models.customers.observations import unread_mandatory
from web.console.blueprint import bp, is_fragment_request, render
from web.console.record_summary import record_summary
from web.permissions import READ
from web.security import may, requires

RECORD_LAYOUT = "console/record/layout.html"


@dataclass(frozen=True)
class Tab:
    slug: str  # its URL: /clientes/<code>/<slug>
    label: str  # the manual's name
    endpoint: str
    area: str  # the role table's area it reads


TABS = (
    Tab("cadastro", "Cadastro", "console.record", "customers"),
    Tab("opcoes", "Opções", "console.options", "customer_options"),
    Tab("campos-extras", "Campos extras", "console.extra_fields", "customers"),
    Tab("enderecos", "Endereços", "console.addresses", "customers"),
    Tab("contatos", "Contatos", "console.contacts", "customers"),
    Tab("observacoes", "Observações", "console.observations", "customers"),
    Tab("pagamento", "Dados de pagamento", "console.payment_data", "payment_data"),
    Tab("historico", "Histórico", "console.history", "customers"),
    Tab("documentos", "Documentos", "console.documents", "customers"),
    Tab("consentimentos", "Consentimentos", "console.consents", "customers"),
    Tab("planos", "Planos", "console.plans", "subscriptions"),
    Tab("equipamentos", "Equipamentos", "console.customer_equipment", "equipment"),
    Tab("financeiro", "Financeiro", "console.finance", "receivables"),
    Tab("conexoes", "Conexões", "console.connections", "extracts"),
    Tab("ligacoes", "Ligações", "console.calls", "extracts"),
)


def tabs_for_user() -> list[Tab]:
    """The tabs the signed-in user's role may read."""
    served = current_app.view_functions
    return [tab for tab in TABS if may(tab.area, READ) and tab.endpoint in served]


def render_tab(slug: str, template: str, customer, **context):
    """A tab of the record: the whole page (header, tabs) or, for htmx, the tab alone."""
    return render(
        template,
        page_layout=RECORD_LAYOUT,
        customer=customer,
        active_tab=slug,
        tabs=tabs_for_user(),
        unread=unread_mandatory(customer.code, g.user.id),
        summary=record_summary(customer.code),
        **context,
    )


def changed(code: int, message: str, tab, endpoint: str):
    """After a change in a tab: for htmx, the tab again (`tab(code, saved=message)`) showing
    `message`; for a plain form, a redirect (303) to the tab, so a reload sends nothing again."""
    if is_fragment_request():
        return tab(code, saved=message)
    return redirect(url_for(endpoint, code=code), 303)


def listed_again(code: int, message: str, tab, endpoint: str):
    """After a change in a list-with-form tab (Endereços, Contatos): the list again saying
    `message`; for htmx the tab (`tab(code, status=message)`) with its URL pushed, for a plain
    form a redirect (303) to the tab with `message` flashed."""
    target = url_for(endpoint, code=code)
    if is_fragment_request():
        page, status = tab(code, status=message)
        return page, status, {"HX-Push-Url": target}
    flash(message, "status")
    return redirect(target, 303)


@bp.route("/clientes/<int:code>", methods=["GET"])
@requires("customers", READ)
def record(code: int):
    """The record, opened on its Cadastro tab."""
    return render_tab("cadastro", "console/record/cadastro.html", get_customer(code))


@bp.route("/clientes/<int:code>/cadastro", methods=["GET"])
@requires("customers", READ)
def record_tab(code: int):
    return redirect(url_for("console.record", code=code), 301)
