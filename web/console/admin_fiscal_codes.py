"""Administração > Códigos de atividade fiscal [5.1.4]: the list a customer's option picks its
CNAE subclass or service item from.

The API's routes (web/api/customers/customer_options.py: /fiscal-activity-codes) with their
schemas and operations: add (FiscalActivityCodeInput, create_code), change the description or
withdraw / put back in use (FiscalActivityCodePatch, update_code); the code itself never changes
and customers who hold a withdrawn one keep it.
"""

from flask import request

from models.customers import fiscal_activity_codes
from models.errors import DomainError
from schemas.customers.customer_options import FiscalActivityCodeInput, FiscalActivityCodePatch
from web.console.admin_lists import KeptList
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, load
from web.permissions import READ, WRITE
from web.security import requires

AREA = "fiscal_activity_codes"
add_messages(
    (
        r"A CNAE subclass \(6110-8/01\) or a service item \(1\.07\)\.",
        "Um código CNAE como 6110-8/01 ou um item de serviço como 1.07.",
    ),
    (r"Already listed\.", "Este código já está na lista."),
    (r"\S+ is already listed\.", "Este código já está na lista."),
    (r"Fiscal activity code \d+ not found\.", "Código não encontrado."),
)


SCREEN = KeptList(
    template="console/admin/fiscal_codes.html",
    endpoint="console.admin_fiscal_codes",
    rows=lambda: fiscal_activity_codes.list_codes(None),
    patch=FiscalActivityCodePatch,
    update=fiscal_activity_codes.update_code,
)


@bp.route("/admin/codigos-fiscais", methods=["GET"])
@requires(AREA, READ)
def admin_fiscal_codes():
    """Every code, in use or withdrawn, with the form for a new one."""
    return SCREEN.page()


@bp.route("/admin/codigos-fiscais", methods=["POST"])
@requires(AREA, WRITE)
def admin_create_fiscal_code():
    """A new code, in use."""
    names = ("code", "description")
    typed = {name: request.form.get(name, "") for name in names}
    data, errors = load(FiscalActivityCodeInput(), body_from(request.form, names))
    if errors:
        return SCREEN.page(typed, errors, 422)
    try:
        row = fiscal_activity_codes.create_code(data)
    except DomainError as error:
        return SCREEN.refused(typed, error)
    return SCREEN.back(f"Código {row.code} incluído.")


@bp.route("/admin/codigos-fiscais/<int:code_id>", methods=["POST"])
@requires(AREA, WRITE)
def admin_describe_fiscal_code(code_id: int):
    """Another description (the code stays)."""
    body = body_from(request.form, ("description",))
    return SCREEN.change(code_id, body, lambda row: f"Descrição do código {row.code} alterada.")


@bp.route("/admin/codigos-fiscais/<int:code_id>/situacao", methods=["POST"])
@requires(AREA, WRITE)
def admin_set_fiscal_code_active(code_id: int):
    """Withdraw the code from the list (its holders keep it), or put it back."""
    active = request.form.get("active") == "true"
    done = "Código {0} voltou à lista." if active else "Código {0} retirado da lista."
    return SCREEN.change(code_id, {"active": active}, lambda row: done.format(row.code))
