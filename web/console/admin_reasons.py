"""Administração > Motivos de cancelamento: the list a cancellation picks its reason from.

The API's routes (web/api/service/scheduled_tasks.py: /cancel-reasons) with their schemas and
operations: add (CancelReasonInput, create_reason), rename or withdraw / put back in use
(CancelReasonPatch, update_reason); past cancellations keep the text they had.
"""

from flask import flash, redirect, request, url_for

from models.db import db
from models.errors import Conflict, DomainError
from models.service import cancel_reasons
from schemas.service.scheduled_tasks import CancelReasonInput, CancelReasonPatch
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, load
from web.permissions import READ, WRITE
from web.security import requires

add_messages(
    (r"'(.*)' is already a reason\.", "O motivo {0} já existe."),
    (r"Cancel reason \d+ not found\.", "Motivo não encontrado."),
)
TAKEN = {"name": ["Este motivo já existe."]}


def _list(typed=None, errors=None, status=200, row_errors=None):
    return (
        render(
            "console/admin/reasons.html",
            items=cancel_reasons.list_reasons(None),
            typed=typed or {},
            errors=errors or {},
            row_errors=row_errors or {},
        ),
        status,
    )


def _back(message: str):
    flash(message, "status")
    return redirect(url_for("console.admin_reasons"), 303)


@bp.route("/admin/motivos", methods=["GET"])
@requires("cancel_reasons", READ)
def admin_reasons():
    """Every cancel reason, in use or withdrawn, with the form for a new one."""
    return _list()


@bp.route("/admin/motivos", methods=["POST"])
@requires("cancel_reasons", WRITE)
def admin_create_reason():
    """A new reason, in use."""
    typed = {"name": request.form.get("name", "")}
    data, errors = load(CancelReasonInput(), body_from(request.form, ("name",)))
    if errors:
        return _list(typed, errors, 422)
    try:
        reason = cancel_reasons.create_reason(data)
    except Conflict as error:
        db.session.rollback()
        return _list(typed, TAKEN, error.status)
    except DomainError as error:
        db.session.rollback()
        return _list(typed, domain_errors(error), error.status)
    return _back(f"Motivo {reason.name} incluído.")


def _change(reason_id: int, body: dict, done: str):
    data, errors = load(CancelReasonPatch(), body)
    if errors:
        return _list(status=422, row_errors={reason_id: errors})
    try:
        reason = cancel_reasons.update_reason(reason_id, data)
    except Conflict as error:
        db.session.rollback()
        return _list(status=error.status, row_errors={reason_id: TAKEN})
    except DomainError as error:
        db.session.rollback()
        return _list(status=error.status, row_errors={reason_id: domain_errors(error)})
    return _back(done.format(reason.name))


@bp.route("/admin/motivos/<int:reason_id>", methods=["POST"])
@requires("cancel_reasons", WRITE)
def admin_rename_reason(reason_id: int):
    """Another text for the reason (past cancellations keep theirs)."""
    return _change(reason_id, body_from(request.form, ("name",)), "Motivo renomeado para {0}.")


@bp.route("/admin/motivos/<int:reason_id>/situacao", methods=["POST"])
@requires("cancel_reasons", WRITE)
def admin_set_reason_active(reason_id: int):
    """Withdraw the reason from the list, or put it back."""
    active = request.form.get("active") == "true"
    done = "Motivo {0} voltou à lista." if active else "Motivo {0} retirado da lista."
    return _change(reason_id, {"active": active}, done)
