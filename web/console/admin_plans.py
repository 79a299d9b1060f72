"""Administração > Planos: the plan catalog (every plan, on sale or withdrawn).

The API's routes (web/api/service/plans.py) with their schemas and operations: the list through
PlanQuery (kind, active, page) and plans.list_plans; add (PlanInput, plans.create_plan); change
the name, speeds, price or RADIUS group, withdraw from sale or put back (PlanPatch,
plans.update_plan). Plans are never deleted; the models write each change to the history.
"""

from flask import flash, redirect, request, url_for

from models.db import db
from models.errors import Conflict, DomainError
from models.service import plans
from models.service.access_attributes import MEDIA, PRODUCTS, TECHNOLOGIES
from schemas.service.plans import PlanInput, PlanPatch, PlanQuery
from web.console.blueprint import bp, render
from web.console.forms import (
    add_messages,
    body_from,
    domain_errors,
    last_page,
    load,
    whole_numbers,
)
from web.permissions import READ, WRITE
from web.security import requires

PER_PAGE = 50
KIND_LABELS = {
    "internet": "Internet",
    "email": "E-mail",
    "hosting": "Hospedagem",
    "voip": "Telefonia (VoIP)",
}
assert set(KIND_LABELS) == set(plans.KINDS)
ACTIVE_LABELS = {"true": "À venda", "false": "Fora de venda"}
SPEEDS = ("download_kbps", "upload_kbps")
# Anatel's access report and the offer code bills print (blank in a change: cleared).
ANATEL = ("access_medium", "technology", "product", "offer_code")
CREATED = ("name", "kind", *SPEEDS, "price", "radius_group", *ANATEL)
CHANGED = ("name", *SPEEDS, "price", "radius_group", *ANATEL)
FILTERS = ("kind", "active")

# A name or RADIUS group another plan has (a 409): said next to the field.
TAKEN = {
    "name": "Já existe um plano com este nome.",
    "radius_group": "Outro plano usa este grupo.",
    "offer_code": "Outro plano tem este código da oferta.",
}

add_messages(
    (r"1-64 letters, digits, \. _ or -\.", "De 1 a 64 letras, dígitos, . _ ou -."),
    (r"Is the group of suspended logins\.", "É o grupo dos logins suspensos."),
    (r"Plan \d+ not found\.", "Plano não encontrado."),
    (
        r"1-30 letters, digits, \. _ / or -, starting with a letter or digit\.",
        "De 1 a 30 letras, dígitos, . _ / ou -, começando por letra ou dígito.",
    ),
)


def on_screen_speed(kbps: int | None) -> str:
    """A speed as people say it: 100 Mbit/s, 1,5 Mbit/s, 512 kbit/s; "sem limite" for none."""
    if kbps is None:
        return "sem limite"
    if kbps < 1000:
        return f"{kbps} kbit/s"
    mbps = f"{kbps / 1000:,.3f}".rstrip("0").rstrip(".")
    return mbps.replace(",", " ").replace(".", ",").replace(" ", ".") + " Mbit/s"


def _typed_plan(plan) -> dict:
    """A plan's fields as its change form shows them (speeds in kbit/s, price 1.234,56)."""
    price = f"{plan.price:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return {
        "name": plan.name,
        "download_kbps": "" if plan.download_kbps is None else str(plan.download_kbps),
        "upload_kbps": "" if plan.upload_kbps is None else str(plan.upload_kbps),
        "price": price,
        "radius_group": plan.radius_group or "",
        **{name: getattr(plan, name) or "" for name in ANATEL},
    }


def _refused(error: DomainError) -> dict[str, list[str]]:
    """An operation's refusal by field; a taken name or group in this screen's words."""
    if isinstance(error, Conflict) and error.errors:
        return {field: [TAKEN.get(field, "Já em uso.")] for field in error.errors}
    return domain_errors(error)


def _filters() -> tuple[dict, dict]:
    """The list's ?kind=&active=&page= through the API's PlanQuery: (query, errors)."""
    asked = body_from(request.args, (*FILTERS, "page")) | {"per_page": PER_PAGE}
    query, errors = load(PlanQuery(), asked)
    if errors:
        return {"page": 1, "per_page": PER_PAGE}, errors
    return query, {}


def _list(typed=None, errors=None, status=200, editing=None, edit_typed=None, edit_errors=None):
    query, filter_errors = _filters()
    items, total = plans.list_plans(query.get("kind"), query.get("active"), query["page"], PER_PAGE)
    chosen = {name: request.args.get(name, "") for name in FILTERS}
    filters = {name: value for name, value in chosen.items() if value}
    # Where the list was: each form's action keeps it, and so does the redirect after a change.
    here = filters | ({"page": query["page"]} if query["page"] > 1 else {})
    return (
        render(
            "console/admin/plans.html",
            items=items,
            page=query["page"],
            last_page=last_page(total, PER_PAGE),
            chosen=chosen,
            filters=filters,
            here=here,
            filter_errors=filter_errors,
            typed=typed or {},
            errors=errors or {},
            editing=editing,
            edit_typed=edit_typed or {},
            edit_errors=edit_errors or {},
            kind_labels=KIND_LABELS,
            active_labels=ACTIVE_LABELS,
            speed=on_screen_speed,
            media=MEDIA,
            technologies=TECHNOLOGIES,
            products=PRODUCTS,
        ),
        422 if filter_errors and status == 200 else status,
    )


def _back(message: str):
    flash(message, "status")
    args = {name: request.args.get(name) for name in (*FILTERS, "page") if request.args.get(name)}
    return redirect(url_for("console.admin_plans", **args), 303)


@bp.route("/admin/planos", methods=["GET"])
@requires("plans", READ)
def admin_plans():
    """Every plan by name, on sale or not (filtered by kind and situation), and a new one's form."""
    return _list()


@bp.route("/admin/planos", methods=["POST"])
@requires("plans", WRITE)
def admin_create_plan():
    """A new plan, on sale: an internet plan without a RADIUS group gets plano-<id>."""
    typed = {name: request.form.get(name, "") for name in CREATED}
    body = whole_numbers(body_from(request.form, CREATED, money=("price",)), *SPEEDS)
    data, errors = load(PlanInput(), body)
    if errors:
        return _list(typed, errors, 422)
    try:
        plan = plans.create_plan(data)
    except DomainError as error:
        db.session.rollback()
        return _list(typed, _refused(error), error.status)
    return _back(f"Plano {plan.name} incluído.")


@bp.route("/admin/planos/<int:plan_id>", methods=["GET"])
@requires("plans", WRITE)
def admin_edit_plan(plan_id: int):
    """The list with the change form of one plan."""
    plan = plans.get_plan(plan_id)
    return _list(editing=plan, edit_typed=_typed_plan(plan))


def _change(plan_id: int, body: dict, done: str, edit_typed=None):
    """A change through the API's patch; refusals shown in the plan's change form."""
    plan = plans.get_plan(plan_id)
    edit_typed = edit_typed or _typed_plan(plan)
    data, errors = load(PlanPatch(), body)
    if errors:
        return _list(status=422, editing=plan, edit_typed=edit_typed, edit_errors=errors)
    try:
        plan = plans.update_plan(plan_id, data)
    except DomainError as error:
        db.session.rollback()
        plan = plans.get_plan(plan_id)
        problems = _refused(error)
        return _list(status=error.status, editing=plan, edit_typed=edit_typed, edit_errors=problems)
    return _back(done.format(plan.name))


@bp.route("/admin/planos/<int:plan_id>", methods=["POST"])
@requires("plans", WRITE)
def admin_update_plan(plan_id: int):
    """Another name, speeds (blank: not limited), price or RADIUS group; subscriptions keep the
    price they were sold at."""
    typed = {name: request.form.get(name, "") for name in CHANGED}
    body = body_from(request.form, ("name", "price", "radius_group"), money=("price",))
    cleared = body_from(request.form, (*SPEEDS, *ANATEL), blank_as_none=True)
    body = whole_numbers(body | cleared, *SPEEDS)
    return _change(plan_id, body, "Plano {0} alterado.", typed)


@bp.route("/admin/planos/<int:plan_id>/situacao", methods=["POST"])
@requires("plans", WRITE)
def admin_set_plan_active(plan_id: int):
    """Withdraw the plan from sale (its subscriptions go on), or put it back on sale."""
    active = request.form.get("active") == "true"
    done = "Plano {0} voltou à venda." if active else "Plano {0} retirado de venda."
    return _change(plan_id, {"active": active}, done)
