"""Administração > NAS: the RADIUS concentrators, and the Disconnect-Requests sent to them.

The API's routes (web/api/service/radius.py) with their schemas and operations: the NASes
(radius.list_nas; the secret is write-only, never shown, not even in the page's source), add one
(NasInput, radius.add_nas), and the Disconnect-Requests newest first (DisconnectQuery,
list_disconnects): the failed ones are where a NAS that does not answer shows. The model writes
each NAS added to the history (the secret redacted).
"""

from flask import flash, redirect, request, url_for

from models.db import db
from models.errors import Conflict, DomainError
from models.service import radius
from models.service.radius_disconnects import STATUSES, list_disconnects
from schemas.service.radius import DisconnectQuery, NasInput
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, last_page, load, whole_numbers
from web.permissions import READ, WRITE
from web.security import requires

PER_PAGE = 50
FIELDS = ("nasname", "shortname", "type", "coa_port", "description")
STATUS_LABELS = {
    "pending": "Na fila",
    "sending": "Enviando",
    "acked": "Aceito pelo NAS",
    "naked": "Recusado pelo NAS",
    "failed": "Falhou (sem resposta)",
    "superseded": "Dispensado (religado antes)",
}
assert set(STATUS_LABELS) == set(STATUSES)
CAUSE_LABELS = {
    "suspend": "Suspensão",
    "cancel": "Cancelamento",
    "deleted": "Login excluído",
    "staff": "Pedido da equipe",
}
TAKEN = {"nasname": ["Este NAS já está cadastrado."]}

add_messages(
    (
        r"6 to 128 printable ASCII characters without spaces\.",
        "De 6 a 128 caracteres, sem espaços nem acentos.",
    ),
    (r"An address without a scope \(%\.\.\.\)\.", "Um endereço sem escopo (%...)."),
    (r"NAS (\S+) is already registered\.", "O NAS {0} já está cadastrado."),
)


def _disconnects() -> dict:
    """The page of Disconnect-Requests ?status=&page= asks for, through the API's query schema."""
    asked = body_from(request.args, ("status", "page")) | {"per_page": PER_PAGE}
    query, errors = load(DisconnectQuery(), asked)
    if errors:
        query = {"page": 1}
    found, total = list_disconnects(query.get("status"), query["page"], PER_PAGE)
    status = request.args.get("status", "")
    return {
        "disconnects": found,
        "status": status,
        "page": query["page"],
        "last_page": last_page(total, PER_PAGE),
        "filters": {"status": status} if status and not errors else {},
        "filter_errors": errors,
    }


def _list(typed=None, errors=None, status=200):
    listed = _disconnects()
    return (
        render(
            "console/admin/nas.html",
            items=radius.list_nas(),
            typed=typed or {},
            errors=errors or {},
            status_labels=STATUS_LABELS,
            cause_labels=CAUSE_LABELS,
            **listed,
        ),
        422 if listed["filter_errors"] and status == 200 else status,
    )


@bp.route("/admin/nas", methods=["GET"])
@requires("radius", READ)
def admin_nas():
    """The NASes by name, a new one's form, and the Disconnect-Requests (?status=failed)."""
    return _list()


@bp.route("/admin/nas", methods=["POST"])
@requires("radius", WRITE)
def admin_add_nas():
    """A new NAS: its address, name, RADIUS secret and Disconnect-Request (CoA) port."""
    typed = {name: request.form.get(name, "") for name in FIELDS}  # never the secret
    body = whole_numbers(body_from(request.form, (*FIELDS, "secret")), "coa_port")
    data, errors = load(NasInput(), body)
    if errors:
        return _list(typed, errors, 422)
    try:
        nas = radius.add_nas(data)
    except Conflict as error:
        db.session.rollback()
        return _list(typed, TAKEN, error.status)
    except DomainError as error:
        db.session.rollback()
        return _list(typed, domain_errors(error), error.status)
    flash(f"NAS {nas.shortname} ({nas.nasname}) incluído.", "status")
    return redirect(url_for("console.admin_nas"), 303)
