"""Administração > Motivos de cancelamento: the list a cancellation picks its reason from.

The API's routes (web/api/service/scheduled_tasks.py: /cancel-reasons) with their schemas and
operations: add (CancelReasonInput, create_reason), rename or withdraw / put back in use
(CancelReasonPatch, update_reason); past cancellations keep the text they had.
"""

from flask import request

from models.errors import Conflict, DomainError
from models.service import cancel_reasons
from schemas.service.scheduled_tasks import CancelReasonInput, CancelReasonPatch
from web.console.admin_lists import KeptList
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, domain_errors, load
from web.permissions import READ, WRITE
from web.security import requires

add_messages(
    (r"'(.*)' is already a reason\.", "O motivo {0} já existe."),
    (r"Cancel reason \d+ not found\.", "Motivo não encontrado."),
)
TAKEN = {"name": ["Este motivo já existe."]}


def _refusal(error: DomainError) -> dict:
    return TAKEN if isinstance(error, Conflict) else domain_errors(error)


SCREEN = KeptList(
    template="console/admin/reasons.html",
    endpoint="console.admin_reasons",
    rows=lambda: cancel_reasons.list_reasons(None),
    patch=CancelReasonPatch,
    update=cancel_reasons.update_reason,
    refusal=_refusal,
)


@bp.route("/admin/motivos", methods=["GET"])
@requires("cancel_reasons", READ)
def admin_reasons():
    """Every cancel reason, in use or withdrawn, with the form for a new one."""
    return SCREEN.page()


@bp.route("/admin/motivos", methods=["POST"])
@requires("cancel_reasons", WRITE)
def admin_create_reason():
    """A new reason, in use."""
    typed = {"name": request.form.get("name", "")}
    data, errors = load(CancelReasonInput(), body_from(request.form, ("name",)))
    if errors:
        return SCREEN.page(typed, errors, 422)
    try:
        reason = cancel_reasons.create_reason(data)
    except DomainError as error:
        return SCREEN.refused(typed, error)
    return SCREEN.back(f"Motivo {reason.name} incluído.")


@bp.route("/admin/motivos/<int:reason_id>", methods=["POST"])
@requires("cancel_reasons", WRITE)
def admin_rename_reason(reason_id: int):
    """Another text for the reason (past cancellations keep theirs)."""
    body = body_from(request.form, ("name",))
    return SCREEN.change(reason_id, body, lambda row: f"Motivo renomeado para {row.name}.")


@bp.route("/admin/motivos/<int:reason_id>/situacao", methods=["POST"])
@requires("cancel_reasons", WRITE)
def admin_set_reason_active(reason_id: int):
    """Withdraw the reason from the list, or put it back."""
    active = request.form.get("active") == "true"
    done = "Motivo {0} voltou à lista." if active else "Motivo {0} retirado da lista."
    return SCREEN.change(reason_id, {"active": active}, lambda row: done.format(row.name))
