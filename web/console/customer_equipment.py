"""Equipamentos of a customer [6.5.1-6.5.5], a tab of the record: the items each subscription
holds, lent as web/api/service/equipment_lending.py lends them (LendingInput,
lend_equipment), "Retirar Item" (return_equipment), and sold as web/api/billing/equipment_sales.py
sells them (SaleInput, sell_equipment): installments on the next bills or one receivable.

The form names items by their patrimony numbers (what is printed on the asset tag); the API's
body names them by id: each number is looked up in the stock first (an unknown one is an error
on `items`), then the body goes through the API's schema.
"""

import re

from flask import request

from models.billing import equipment_sales
from models.billing.equipment_sales import BILLING_EVENT, RECEIVABLE
from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError
from models.service import equipment_lending
from models.service.equipment import Equipment
from models.service.equipment_lending import HELD
from models.service.subscriptions import CANCELLED, list_subscriptions
from models.staff.users import User
from schemas.billing.equipment_sales import SaleInput
from schemas.common import MAX_PER_PAGE
from schemas.service.equipment import LendingInput
from web.console.blueprint import bp
from web.console.equipment import STATUS_LABELS
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import listed_again, render_tab
from web.permissions import READ, WRITE
from web.security import may, requires

LENDING_FIELDS = ("subscription_id", "responsible_user", "confirming_user")
SALE_FIELDS = ("sale.price", "sale.mode", "sale.installments", "sale.due_date")
MODE_LABELS = {
    BILLING_EVENT: "Parcelas nas próximas faturas",
    RECEIVABLE: "Uma conta a receber com vencimento",
}
SALE_STATUS_LABELS = {"pending": "Aguardando faturamento", "billed": "Faturada"}
EVENT_STATUS_LABELS = {"pending": "A faturar", "billed": "Faturada", "cancelled": "Cancelada"}
NUMBERS = re.compile(r"[\s,;]+")

add_messages(
    (r"Not a subscription of this customer\.", "Escolha um plano deste cliente."),
    (r"No active staff user .*", "Escolha um usuário ativo."),
    (r"Someone other than the responsible user\.", "Escolha alguém além do responsável."),
    (r"Not in stock\.", "Um dos itens foi emprestado nesse meio tempo."),
    (
        r"Subscription (\d+) is cancelled: .*",
        "O plano {0} está cancelado: não recebe equipamentos.",
    ),
    (r"Each item once\.", "Cada patrimônio uma vez só."),
    (r"Equipment assignment (\d+) was already returned\.", "Este item já foi retirado."),
    (r"Equipment (\d+) is (\w+), not lent\.", "O item {0} não está emprestado."),
    (r"Required for mode .*", "Preencha este campo para esta forma de cobrança."),
    (r"Not for mode .*", "Deixe em branco nesta forma de cobrança."),
    (r"Your role may lend equipment but not sell it\.", "Seu perfil não pode vender equipamentos."),
)
# "Not in stock: 3 (nº 12, lent)." names ids; the screen names patrimony numbers.
add_messages((r"Not in stock: (.*)\.", "Não estão em estoque: {0}."))


def _subscriptions(code: int) -> dict[str, str]:
    found, _ = list_subscriptions(code, None, 1, MAX_PER_PAGE)
    return {str(s.id): f"Nº {s.id} — {s.plan.name}" for s in found if s.status != CANCELLED}


def _users() -> dict[str, str]:
    query = db.select(User).where(User.active.is_(True)).order_by(User.username)
    return {
        u.username: f"{u.full_name} ({u.username})" if u.full_name else u.username
        for u in db.session.scalars(query)
    }


def _tab(code: int, values=None, errors=None, status=None, http_status=200, form=None):
    customer = get_customer(code)
    held, _ = equipment_lending.customer_equipment(code, None, HELD, 1, MAX_PER_PAGE)
    sales, _ = equipment_sales.customer_sales(code, 1, MAX_PER_PAGE)
    writes = may("equipment", WRITE) or may("equipment_sale", WRITE)
    page = render_tab(
        "equipamentos",
        "console/record/equipamentos.html",
        customer,
        held=held,
        sales=sales,
        subscriptions=_subscriptions(code) if writes else {},
        users=_users() if writes else {},
        status_labels=STATUS_LABELS,
        mode_labels=MODE_LABELS,
        sale_status_labels=SALE_STATUS_LABELS,
        event_status_labels=EVENT_STATUS_LABELS,
        show_billing=may("receivables", READ),
        values=values or {},
        errors=errors or {},
        form=form,
        status=status,
    )
    return page, http_status


def _done(code: int, message: str):
    return listed_again(code, message, _tab, "console.customer_equipment")


@bp.route("/clientes/<int:code>/equipamentos", methods=["GET"])
@requires("equipment", READ)
def customer_equipment(code: int):
    """What the customer's subscriptions hold, the sales, and the forms to lend and sell."""
    return _tab(code)


def _item_ids(typed: str) -> tuple[list[int] | None, dict]:
    """The ids of the items with the patrimony numbers typed, or errors on `items`."""
    numbers = [n for n in NUMBERS.split(typed.strip()) if n]
    if not numbers:
        return None, {"items": ["Digite o número de patrimônio de pelo menos um item."]}
    if not all(re.fullmatch(r"[0-9]{1,10}", n) for n in numbers):
        return None, {"items": ["Digite números de patrimônio separados por vírgula."]}
    wanted = [int(n) for n in numbers]
    query = db.select(Equipment.patrimony_number, Equipment.id).where(
        Equipment.patrimony_number.in_(wanted)
    )
    ids = dict(db.session.execute(query).all())
    missing = [str(n) for n in wanted if n not in ids]
    if missing:
        return None, {"items": [f"Nenhum item com patrimônio {', '.join(missing)}."]}
    return [ids[n] for n in wanted], {}


def _body(with_sale: bool) -> tuple[dict, dict]:
    fields = LENDING_FIELDS + (SALE_FIELDS if with_sale else ())
    body = body_from(request.form, fields, dates=("sale.due_date",), money=("sale.price",))
    for name in ("subscription_id",):
        if re.fullmatch(r"[0-9]{1,10}", str(body.get(name, ""))):
            body[name] = int(body[name])
    sale = body.get("sale", {})
    if re.fullmatch(r"[0-9]{1,3}", str(sale.get("installments", ""))):
        sale["installments"] = int(sale["installments"])
    if sale.get("mode") == BILLING_EVENT:
        sale.pop("due_date", None)  # the other mode's field, hidden, may still hold a value
    elif sale.get("mode") == RECEIVABLE:
        sale.pop("installments", None)
    ids, errors = _item_ids(request.form.get("items", ""))
    if ids is not None:
        body["items"] = ids
    return body, errors


def _hand_over(code: int, schema, operation, form: str, message: str):
    body, item_errors = _body(with_sale=form == "venda")
    data, errors = load(schema, body)
    errors = {**(errors or {}), **item_errors}
    if errors:
        return _tab(code, request.form, errors, http_status=422, form=form)
    try:
        operation(code, data)
    except DomainError as error:
        db.session.rollback()
        return _tab(code, request.form, domain_errors(error), http_status=error.status, form=form)
    return _done(code, message)


@bp.route("/clientes/<int:code>/equipamentos", methods=["POST"])
@requires("equipment", WRITE)
def lend_equipment(code: int):
    """Lend in-stock items to a subscription (POST /customers/{code}/equipment)."""
    return _hand_over(
        code, LendingInput(), equipment_lending.lend_equipment, "emprestimo", "Itens emprestados."
    )


@bp.route("/clientes/<int:code>/equipamentos/vendas", methods=["POST"])
@requires("equipment_sale", WRITE)
def sell_equipment(code: int):
    """Sell in-stock items to a subscription (POST /customers/{code}/equipment-sales); the
    billing task goes after the commit, as from the API."""
    return _hand_over(
        code, SaleInput(), equipment_sales.sell_equipment, "venda", "Venda registrada."
    )


@bp.route("/clientes/<int:code>/equipamentos/<int:assignment_id>/retirar", methods=["POST"])
@requires("equipment", WRITE)
def return_equipment(code: int, assignment_id: int):
    """Retirar Item: back to stock, now, taken by the signed-in user."""
    try:
        assignment = equipment_lending.return_equipment(code, assignment_id)
    except DomainError as error:
        db.session.rollback()
        return _tab(code, errors=domain_errors(error), http_status=error.status)
    return _done(code, f"Item de patrimônio {assignment.equipment.patrimony_number} retirado.")
