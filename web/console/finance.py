"""Financeiro: the customer's receivables with their lines and status, a payment recorded by
hand (a partial one leaves a balance), an open one cancelled with a reason, and its boleto (the
linha digitável, the PDF "2ª via" and the PIX copia e cola), as web/api/billing/receivables.py
and web/api/billing/boletos.py do (same schemas, same operations).
"""

from flask import abort, request

from models.billing import receivables
from models.billing.boletos import boleto_for
from models.clock import local_today
from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError
from schemas.billing.receivables import ReceivableCancelInput, ReceivablePaymentInput
from schemas.common import MAX_PER_PAGE
from web import downloads
from web.console.blueprint import bp, is_fragment_request
from web.console.forms import add_messages, body_from, domain_errors, load
from web.console.record import listed_again, render_tab
from web.console.record_summary import record_summary
from web.permissions import READ, WRITE
from web.security import requires

add_messages(
    (r"More than zero\.", "Informe um valor maior que zero."),
    (r"Cannot be in the future\.", "Não pode ser uma data futura."),
    (r"Far more than the receivable's amount\.", "Valor muito acima do valor do título."),
    (r"Receivable \d+ is paid; only .*", "Este título já está pago."),
    (r"Receivable \d+ is cancelled; only .*", "Este título está cancelado."),
    (r"Receivable \d+ is partially_paid; only open\.", "Um título com pagamento não se cancela."),
    (r"Receivable \d+ is \w+; it has no boleto\.", "Este título não está em aberto."),
    (r"Receivable \d+ is not paid by boleto\.", "O cliente não paga por boleto."),
)

PAYMENT, CANCEL, BOLETO = "pagamento", "cancelar", "boleto"
# Status on screen: (text, CSS class).
STATUS = {
    receivables.OPEN: ("Em aberto", "aberto"),
    "overdue": ("Vencido", "vencido"),
    receivables.PARTIALLY_PAID: ("Pago parcialmente", "parcial"),
    receivables.PAID: ("Pago", "pago"),
    receivables.CANCELLED: ("Cancelado", "cancelado"),
}


def status_of(receivable, today) -> tuple[str, str]:
    """The receivable's status in Portuguese and its colour's class; an owed one past its due
    date is "Vencido" (partially paid ones too, saying so)."""
    text, css = STATUS[receivable.status]
    if receivable.status in receivables.OWED and receivable.due_date < today:
        overdue, css = STATUS["overdue"]
        text = overdue if receivable.status == receivables.OPEN else f"{overdue} ({text.lower()})"
    return text, css


def _receivable(code: int, receivable_id: int):
    """The customer's receivable (404 if it is someone else's)."""
    receivable = receivables.get_receivable(receivable_id)
    if receivable.customer_code != code:
        abort(404)
    return receivable


def _tab(
    code,
    status=None,
    chosen=None,
    mode=None,
    values=None,
    errors=None,
    boleto=None,
    http_status=200,
):
    customer = get_customer(code)
    found, total = receivables.list_receivables({"customer_code": code}, 1, MAX_PER_PAGE)
    today = local_today()
    page = render_tab(
        "financeiro",
        "console/record/financeiro.html",
        customer,
        receivables=found,
        total=total,
        statuses={r.id: status_of(r, today) for r in found},
        owed=receivables.OWED,
        open_status=receivables.OPEN,
        chosen=chosen,
        mode=mode,
        boleto=boleto,
        values=values or {},
        errors=errors or {},
        status=status,
        # After a change, htmx swaps the record's header in too (its debts changed).
        header=record_summary(code, swapped=True) if status and is_fragment_request() else None,
    )
    return page, http_status


def _done(code: int, message: str):
    return listed_again(code, message, _tab, "console.finance")


@bp.route("/clientes/<int:code>/financeiro", methods=["GET"], endpoint="finance")
@requires("receivables", READ)
def finance(code: int):
    """The customer's receivables, newest due date first, with their lines."""
    return _tab(code)


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/pagamento", methods=["GET"])
@requires("receivables", WRITE)
def payment_form(code: int, receivable_id: int):
    receivable = _receivable(code, receivable_id)
    return _tab(code, chosen=receivable, mode=PAYMENT)


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/pagamento", methods=["POST"])
@requires("receivables", WRITE)
def record_payment(code: int, receivable_id: int):
    """A payment received by hand, as POST /receivables/{id}/payments does."""
    receivable = _receivable(code, receivable_id)
    body = body_from(request.form, ("paid_on", "amount"), dates=("paid_on",), money=("amount",))
    data, errors = load(ReceivablePaymentInput(), body)
    if errors:
        return _tab(
            code,
            chosen=receivable,
            mode=PAYMENT,
            values=request.form,
            errors=errors,
            http_status=422,
        )
    try:
        receivable = receivables.settle(receivable_id, data["paid_on"], data["amount"])
    except DomainError as error:
        db.session.rollback()
        receivable = _receivable(code, receivable_id)
        return _tab(
            code,
            chosen=receivable,
            mode=PAYMENT,
            values=request.form,
            errors=domain_errors(error),
            http_status=error.status,
        )
    if receivable.status == receivables.PAID:
        return _done(code, f"Pagamento registrado: título {receivable_id} pago.")
    return _done(code, f"Pagamento registrado: título {receivable_id} com saldo a receber.")


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/cancelar", methods=["GET"])
@requires("receivables", WRITE)
def cancel_form(code: int, receivable_id: int):
    receivable = _receivable(code, receivable_id)
    return _tab(code, chosen=receivable, mode=CANCEL)


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/cancelar", methods=["POST"])
@requires("receivables", WRITE)
def cancel_receivable(code: int, receivable_id: int):
    """Cancel an open receivable with a reason, as POST /receivables/{id}/cancel does."""
    receivable = _receivable(code, receivable_id)
    data, errors = load(ReceivableCancelInput(), body_from(request.form, ("reason",)))
    if errors:
        return _tab(
            code,
            chosen=receivable,
            mode=CANCEL,
            values=request.form,
            errors=errors,
            http_status=422,
        )
    try:
        receivables.cancel(receivable_id, data["reason"])
    except DomainError as error:
        db.session.rollback()
        receivable = _receivable(code, receivable_id)
        return _tab(
            code,
            chosen=receivable,
            mode=CANCEL,
            values=request.form,
            errors=domain_errors(error),
            http_status=error.status,
        )
    return _done(code, f"Título {receivable_id} cancelado.")


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/boleto", methods=["GET"])
@requires("receivables", READ)
def boleto(code: int, receivable_id: int):
    """The receivable's boleto (issued on first request, as the API's GET does): linha
    digitável, PIX copia e cola and the link to its PDF."""
    receivable = _receivable(code, receivable_id)
    try:
        issued = boleto_for(receivable_id)
    except DomainError as error:
        db.session.rollback()
        receivable = _receivable(code, receivable_id)
        return _tab(
            code,
            chosen=receivable,
            mode=BOLETO,
            errors=domain_errors(error),
            http_status=error.status,
        )
    return _tab(code, chosen=receivable, mode=BOLETO, boleto=issued)


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/boleto.pdf", methods=["GET"])
@requires("receivables", READ)
def boleto_pdf(code: int, receivable_id: int):
    """The boleto's PDF (2ª via), the very response of GET /receivables/{id}/boleto.pdf."""
    _receivable(code, receivable_id)
    return downloads.boleto_pdf(receivable_id)
