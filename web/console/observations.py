"""Observações [5.5]: the customer's observations (type, author, time, mandatory reading, who
read them), "Novo Obs", editing, and the mandatory-reading dialog's acknowledgement.

The same schemas and operations as /api/v1/customers/{code}/observations. Opening a record
with mandatory observations the user has not read shows them in a modal dialog
(templates/console/record/unread_dialog.html, in every record page) until "Li e estou ciente".
"""

from flask import current_app, g, redirect, request, url_for

from models.customers import observations as notes
from models.customers.customers import get_customer
from models.db import db
from models.errors import Conflict, Invalid, NotFound
from schemas.customers.observations import (
    AcknowledgeQuery,
    ObservationInput,
    ObservationPatch,
    ObservationQuery,
)
from web.console.auth import safe_next
from web.console.blueprint import bp
from web.console.forms import (
    add_messages,
    body_from,
    domain_errors,
    last_page,
    load,
    page_asked,
)
from web.console.record import render_tab
from web.permissions import READ, WRITE
from web.security import requires

TEMPLATE = "console/record/observations.html"
PER_PAGE = 20
FIELDS = ("type", "text", "mandatory_reading")
CHECKBOXES = ("mandatory_reading",)

add_messages(
    (r"Not one of the observation types: .*", "Escolha um tipo de observação da lista."),
    (r"The text was changed after you read it.*", "O texto mudou: leia-o de novo."),
)


def _types() -> tuple[str, ...]:
    return tuple(current_app.config["OBSERVATION_TYPES"])


def _page(code: int, *, form=None, editing=None, typed=None, errors=None, saved=None, status=200):
    """The list (one page, newest first), with the new/edit form when one is open."""
    customer = get_customer(code)
    page, query_errors = page_asked(ObservationQuery(), PER_PAGE)
    found, total = notes.list_observations(code, None, page, PER_PAGE)
    rendered = render_tab(
        "observacoes",
        TEMPLATE,
        customer,
        found=found,
        total=total,
        page=page,
        last_page=last_page(total, PER_PAGE),
        read_by=notes.readers([observation.id for observation in found]),
        form=form,
        editing=editing,
        typed=typed or {},
        errors=errors or query_errors,
        saved=saved,
        types=_types(),
    )
    return rendered, status


@bp.route("/clientes/<int:code>/observacoes", methods=["GET"])
@requires("customers", READ)
def observations(code: int):
    return _page(code)


@bp.route("/clientes/<int:code>/observacoes/nova", methods=["GET"])
@requires("customers", WRITE)
def new_observation(code: int):
    """ "Novo Obs": the form; date and user are the server's [5.5.1]."""
    return _page(code, form="new", typed={"type": _types()[0], "mandatory_reading": False})


@bp.route("/clientes/<int:code>/observacoes", methods=["POST"])
@requires("customers", WRITE)
def create_observation(code: int):
    body = body_from(request.form, FIELDS, checkboxes=CHECKBOXES)
    typed = {name: request.form.get(name, "") for name in ("type", "text")} | {
        "mandatory_reading": body["mandatory_reading"]
    }
    data, errors = load(ObservationInput(), body)
    if errors:
        return _page(code, form="new", typed=typed, errors=errors, status=422)
    try:
        notes.create_observation(code, data, _types())
    except Invalid as error:
        db.session.rollback()
        return _page(code, form="new", typed=typed, errors=domain_errors(error), status=422)
    return _page(code, saved="Observação salva.")


@bp.route("/clientes/<int:code>/observacoes/<int:observation_id>/editar", methods=["GET"])
@requires("customers", WRITE)
def edit_observation(code: int, observation_id: int):
    observation = notes.get_observation(code, observation_id)
    typed = {name: getattr(observation, name) for name in FIELDS}
    return _page(code, form="edit", editing=observation, typed=typed)


@bp.route("/clientes/<int:code>/observacoes/<int:observation_id>", methods=["POST"])
@requires("customers", WRITE)
def update_observation(code: int, observation_id: int):
    """Change type, text (a mandatory one must be read again) or the mandatory flag."""
    observation = notes.get_observation(code, observation_id)
    # A text emptied is refused (null), not left out: the change would keep the old text.
    body = body_from(request.form, FIELDS, checkboxes=CHECKBOXES, blank_as_none=True)
    typed = {name: request.form.get(name, "") for name in ("type", "text")} | {
        "mandatory_reading": body["mandatory_reading"]
    }
    changes, errors = load(ObservationPatch(), body)
    if errors:
        return _page(code, form="edit", editing=observation, typed=typed, errors=errors, status=422)
    try:
        notes.update_observation(code, observation_id, changes, _types())
    except Invalid as error:
        db.session.rollback()
        observation = notes.get_observation(code, observation_id)
        errors = domain_errors(error)
        return _page(code, form="edit", editing=observation, typed=typed, errors=errors, status=422)
    return _page(code, saved="Observação alterada.")


@bp.route("/clientes/<int:code>/observacoes/ciente", methods=["POST"])
@requires("customers", READ)
def acknowledge_observations(code: int):
    """ "Li e estou ciente": each observation the dialog showed is marked read by this user, as
    the text it showed (`id:text_version`); one edited since stays unread and shows again.
    Then the page the dialog was on opens again, without it."""
    get_customer(code)
    for shown in request.form.getlist("lida"):
        observation_id, _, version = shown.partition(":")
        query, errors = load(AcknowledgeQuery(), {"text_version": version})
        if errors or not observation_id.isdigit():
            continue
        try:
            notes.acknowledge(code, int(observation_id), g.user.id, query["text_version"])
        except (Conflict, NotFound):
            continue  # edited (or not this customer's): the dialog shows what it says now
    fallback = url_for("console.record", code=code)
    target = safe_next(request.form.get("next")) if request.form.get("next") else fallback
    return redirect(target, 303)
