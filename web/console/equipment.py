"""Equipamentos [6.5]: the stock as a screen of its own, searched [6.5.3] and kept (add an item,
correct it, retire it) as web/api/service/equipment.py does (same schemas, same operations)."""

from flask import current_app, flash, redirect, request, url_for

from models.db import db
from models.errors import DomainError
from models.service import equipment
from models.service.equipment import IN_STOCK, LENT, RETIRED, SOLD
from schemas.service.equipment import EquipmentInput, EquipmentPatch, EquipmentQuery
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, last_page, load, whole_numbers
from web.permissions import READ, WRITE
from web.security import requires

PER_PAGE = 25
FIELDS = ("patrimony_number", "type", "model", "serial_number", "mac")
QUERY_FIELDS = ("patrimony_from", "patrimony_to", "type", "serial", "mac", "status", "q", "page")
STATUS_LABELS = {IN_STOCK: "Em estoque", LENT: "Emprestado", SOLD: "Vendido", RETIRED: "Baixado"}
# What staff may set by hand (models.service.equipment.MANUAL_STATUSES).
MANUAL_LABELS = {IN_STOCK: STATUS_LABELS[IN_STOCK], RETIRED: STATUS_LABELS[RETIRED]}

add_messages(
    (
        r"A MAC such as .*",
        "Digite um MAC como AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff ou aabb.ccdd.eeff.",
    ),
    (r"A broadcast or all-zero address is no device's MAC\.", "Este MAC não é de um aparelho."),
    (r"Not one of the equipment types: .*", "Escolha um dos tipos da lista."),
    (r"Cannot come before patrimony_from\.", "Não pode ser menor que o patrimônio inicial."),
    (r"Cannot change from (\w+)\.", "Este item não pode mudar de situação aqui."),
    (r"Patrimony number (\d+) is already in use\.", "O patrimônio {0} já está em uso."),
    (r"MAC (\S+) is already in use\.", "O MAC {0} já está em uso."),
)


def _types() -> tuple[str, ...]:
    return tuple(current_app.config["EQUIPMENT_TYPES"])


def _type_labels() -> dict[str, str]:
    return {kind: kind.capitalize() for kind in _types()}


def _stock(values=None, errors=None, editing=None, http_status=200):
    typed = {name: request.args.get(name, "") for name in QUERY_FIELDS}
    query, search_errors = load(
        EquipmentQuery(), body_from(request.args, QUERY_FIELDS) | {"per_page": PER_PAGE}
    )
    items, total, page = [], 0, 1
    if not search_errors:
        page = query.pop("page")
        query.pop("per_page")
        items, total = equipment.search_equipment(query, page, PER_PAGE)
    page_html = render(
        "console/equipment/stock.html",
        typed=typed,
        search_errors=search_errors,
        items=items,
        total=total,
        page=page,
        last_page=last_page(total, PER_PAGE),
        status_labels=STATUS_LABELS,
        manual_labels=MANUAL_LABELS,
        type_labels=_type_labels(),
        values=values or {},
        errors=errors or {},
        editing=editing,
    )
    return page_html, http_status


@bp.route("/equipamentos", methods=["GET"])
@requires("equipment", READ)
def equipment_stock():
    """The stock: search by patrimony range, type, serial, MAC (any notation) and status."""
    return _stock()


def _refused(error: DomainError, values: dict, editing=None):
    """The form again with the operation's refusal; what it had added to the session is undone
    first (the list below is read from the database, which must not see a half-made item)."""
    db.session.rollback()
    return _stock(values, domain_errors(error), editing, error.status)


@bp.route("/equipamentos", methods=["POST"])
@requires("equipment", WRITE)
def create_equipment():
    """Add an item, in stock (POST /api/v1/equipment)."""
    values = {name: request.form.get(name, "") for name in FIELDS}
    data, errors = load(
        EquipmentInput(), whole_numbers(body_from(request.form, FIELDS), "patrimony_number")
    )
    if errors:
        return _stock(values, errors, http_status=422)
    try:
        item = equipment.create_equipment(data, _types())
    except DomainError as error:
        return _refused(error, values)
    flash(f"Item de patrimônio {item.patrimony_number} incluído no estoque.", "status")
    return redirect(
        url_for(
            "console.equipment_stock",
            patrimony_from=item.patrimony_number,
            patrimony_to=item.patrimony_number,
        ),
        303,
    )


def _values(item) -> dict:
    values = {name: getattr(item, name) or "" for name in FIELDS}
    values["status"] = item.status
    return values


@bp.route("/equipamentos/<int:equipment_id>", methods=["GET"])
@requires("equipment", WRITE)
def edit_equipment(equipment_id):
    """The stock with the item's data in the form, to correct it (or retire it)."""
    item = equipment.get_equipment(equipment_id)
    return _stock(_values(item), editing=item)


@bp.route("/equipamentos/<int:equipment_id>", methods=["POST"])
@requires("equipment", WRITE)
def update_equipment(equipment_id):
    """Correct an item's data (PATCH /api/v1/equipment/{id}): what changed is sent."""
    item = equipment.get_equipment(equipment_id)
    before = _values(item)
    values = {name: request.form.get(name, "") for name in (*FIELDS, "status")}
    body = body_from(request.form, (*FIELDS, "status"), blank_as_none=True)
    body = {name: value for name, value in body.items() if (value or "") != str(before[name])}
    if not body:
        flash("Nada foi alterado.", "status")
        return redirect(url_for("console.equipment_stock"), 303)
    data, errors = load(EquipmentPatch(), whole_numbers(body, "patrimony_number"))
    if errors:
        return _stock(values, errors, item, 422)
    try:
        item = equipment.update_equipment(equipment_id, data, _types())
    except DomainError as error:
        return _refused(error, values, item)
    flash(f"Item de patrimônio {item.patrimony_number} alterado.", "status")
    return redirect(
        url_for(
            "console.equipment_stock",
            patrimony_from=item.patrimony_number,
            patrimony_to=item.patrimony_number,
        ),
        303,
    )
