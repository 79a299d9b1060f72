"""Administração > Campos extras: the definitions of the extra fields [5.2] customers and
contacts carry (their values are set on the record's Campos extras tab, extra_fields.py).

The API's routes (web/api/customers/extra_fields.py: /extra-fields) with their schemas and
operations: the list (extra_fields.list_definitions), define one (ExtraFieldInput,
create_definition), change or withdraw / put back in use (ExtraFieldPatch, update_definition:
its type and what it applies to are fixed once values are stored, and an option values use
stays). Withdrawn fields keep their values; the models write each change to the history.
"""

from flask import flash, redirect, request, url_for

from models.customers import extra_fields
from models.customers.extra_fields import APPLIES_TO, CHOICE, CONTACT, CUSTOMER
from models.db import db
from models.errors import Conflict, DomainError
from schemas.customers.extra_fields import ExtraFieldInput, ExtraFieldPatch
from web.console.blueprint import bp, render
from web.console.extra_fields import TYPE_LABELS
from web.console.forms import add_messages, body_from, domain_errors, load
from web.permissions import READ, WRITE
from web.security import requires

APPLIES_LABELS = {CUSTOMER: "Cliente", CONTACT: "Contato"}
assert set(APPLIES_LABELS) == set(APPLIES_TO)
FIELDS = ("name", "applies_to", "type")
TAKEN = {"name": ["Já existe um campo com este nome para o mesmo cadastro (cliente ou contato)."]}

add_messages(
    (r"Required for a choice field\.", "Informe as opções, uma por linha."),
    (r"Required for choice\.", "Informe as opções, uma por linha."),
    (r"Only for a choice field\.", "Opções só valem para o tipo Lista de opções."),
    (r"Only for choice fields\.", "Opções só valem para o tipo Lista de opções."),
    (
        r"Values are stored for this field: it cannot change\.",
        "Há valores gravados neste campo: isto não pode mudar.",
    ),
    (r"Options used by stored values: (.*)\.", "Opções em uso por valores gravados: {0}."),
    (r"Extra field \d+ not found\.", "Campo extra não encontrado."),
)


def _options(typed: str) -> list[str]:
    """The options typed one per line, blank lines left out (the schema drops repeats)."""
    return [line.strip() for line in typed.splitlines() if line.strip()]


def _body(form, names: tuple[str, ...]) -> dict:
    """The API body of the form: `names` as typed, options when any were typed, required."""
    body = body_from(form, names, checkboxes=("required",))
    options = _options(form.get("options", ""))
    if options:
        body["options"] = options
    return body


def _by_field(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """One option's message ("options.2") shown next to the options box."""
    shown: dict[str, list[str]] = {}
    for name, messages in errors.items():
        shown.setdefault(name.split(".")[0], []).extend(messages)
    return shown


def _refused(error: DomainError) -> dict[str, list[str]]:
    if isinstance(error, Conflict) and list(error.errors or {}) == ["name"]:
        return TAKEN
    return _by_field(domain_errors(error))


def _typed(field) -> dict:
    return {
        "name": field.name,
        "applies_to": field.applies_to,
        "type": field.type,
        "options": "\n".join(field.options or []),
        "required": field.required,
    }


def _form_typed() -> dict:
    typed = {name: request.form.get(name, "") for name in (*FIELDS, "options")}
    return typed | {"required": "required" in request.form}


def _list(typed=None, errors=None, status=200, editing=None, edit_typed=None, edit_errors=None):
    return (
        render(
            "console/admin/fields.html",
            items=extra_fields.list_definitions(),
            typed=typed or {},
            errors=errors or {},
            editing=editing,
            edit_typed=edit_typed or {},
            edit_errors=edit_errors or {},
            type_labels=TYPE_LABELS,
            applies_labels=APPLIES_LABELS,
            choice=CHOICE,
        ),
        status,
    )


def _back(message: str):
    flash(message, "status")
    return redirect(url_for("console.admin_fields"), 303)


@bp.route("/admin/campos-extras", methods=["GET"])
@requires("extra_field_definitions", READ)
def admin_fields():
    """Every extra field, in use or withdrawn, by what it applies to and name; a new one's form."""
    return _list()


@bp.route("/admin/campos-extras", methods=["POST"])
@requires("extra_field_definitions", WRITE)
def admin_create_field():
    """A new field for every customer or every contact: text, number, date or a choice list."""
    typed = _form_typed()
    data, errors = load(ExtraFieldInput(), _body(request.form, (*FIELDS, "required")))
    if errors:
        return _list(typed, _by_field(errors), 422)
    try:
        field = extra_fields.create_definition(data)
    except DomainError as error:
        db.session.rollback()
        return _list(typed, _refused(error), error.status)
    return _back(f"Campo {field.name} incluído.")


@bp.route("/admin/campos-extras/<int:field_id>", methods=["GET"])
@requires("extra_field_definitions", WRITE)
def admin_edit_field(field_id: int):
    """The list with the change form of one field."""
    field = extra_fields.get_definition(field_id)
    return _list(editing=field, edit_typed=_typed(field))


def _change(field_id: int, body: dict, done: str, edit_typed=None):
    """A change through the API's patch; refusals shown in the field's change form."""
    field = extra_fields.get_definition(field_id)
    edit_typed = edit_typed or _typed(field)
    data, errors = load(ExtraFieldPatch(), body)
    if errors:
        problems = _by_field(errors)
        return _list(status=422, editing=field, edit_typed=edit_typed, edit_errors=problems)
    try:
        field = extra_fields.update_definition(field_id, data)
    except DomainError as error:
        db.session.rollback()
        field = extra_fields.get_definition(field_id)
        problems = _refused(error)
        return _list(
            status=error.status, editing=field, edit_typed=edit_typed, edit_errors=problems
        )
    return _back(done.format(field.name))


@bp.route("/admin/campos-extras/<int:field_id>", methods=["POST"])
@requires("extra_field_definitions", WRITE)
def admin_update_field(field_id: int):
    """Another name, type, options or what it applies to (type and applies-to only while no
    values are stored), required or not."""
    body = _body(request.form, (*FIELDS, "required"))
    return _change(field_id, body, "Campo {0} alterado.", _form_typed())


@bp.route("/admin/campos-extras/<int:field_id>/situacao", methods=["POST"])
@requires("extra_field_definitions", WRITE)
def admin_set_field_active(field_id: int):
    """Withdraw the field from the records (its values are kept), or put it back."""
    active = request.form.get("active") == "true"
    done = "Campo {0} voltou a ser usado." if active else "Campo {0} retirado dos cadastros."
    return _change(field_id, {"active": active}, done)
