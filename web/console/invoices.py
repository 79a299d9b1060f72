"""Financeiro's "Nota fiscal (NFCom)" panel: a receivable's invoice (status, number, access key,
SEFAZ's protocol or reason, the cancel deadline), its DANFE-COM and XML (the very responses of
the API's downloads), issued again by finance when incomplete or rejected, and cancelled with a
justification, as web/api/fiscal/invoices.py does (same schema, same operations).
"""

from flask import flash, redirect, request, url_for

from models.clock import utcnow
from models.db import db
from models.errors import DomainError
from models.fiscal import invoices, issuing
from schemas.fiscal.invoices import InvoiceCancelInput
from web import downloads
from web.console.blueprint import bp, is_fragment_request
from web.console.finance import _receivable, _tab
from web.console.forms import UNKNOWN_MESSAGE, add_messages, body_from, load, portuguese
from web.permissions import READ, WRITE
from web.security import requires

NFCOM = "nfcom"
# Status on screen: (its words, CSS class of the receivables' status colours).
_COLOUR = {
    invoices.AUTHORIZED: "pago",
    invoices.CANCELLED: "cancelado",
    **dict.fromkeys(
        (invoices.INCOMPLETE, invoices.REJECTED, invoices.DIVERGENT, invoices.FAILED), "vencido"
    ),
}
STATUS = {
    status: (words, _COLOUR.get(status, "aberto"))
    for status, words in invoices.STATUS_WORDS.items()
}
# Issued (or sent) again once the cause is mended (issuing.request_invoice).
ISSUABLE = (invoices.INCOMPLETE, invoices.REJECTED, invoices.FAILED)
DOWNLOADABLE = (invoices.AUTHORIZED, invoices.CANCELLING, invoices.CANCELLED)

add_messages((r"Receivable \d+ has no NFCom\.", "Esta conta não tem NFCom."))


def key_blocks(access_key: str | None) -> str:
    """The 44-digit access key in blocks of 4, as the DANFE-COM prints it."""
    key = access_key or ""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _refusal(error: DomainError) -> dict[str, list[str]]:
    """An operation's refusal by field: the fiscal operations speak Portuguese already; the
    justification's own problem goes next to its field."""
    text = portuguese(error.message)
    if text == UNKNOWN_MESSAGE:
        text = error.message
    field = "justification" if "justification" in (error.errors or {}) else "_schema"
    return {field: [text]}


def _panel(code: int, receivable_id: int, errors=None, status=None, http_status=200):
    """The Financeiro tab with the receivable's NFCom panel open."""
    receivable = _receivable(code, receivable_id)
    invoice = invoices.invoice_of(receivable_id)
    return _tab(
        code,
        chosen=receivable,
        mode=NFCOM,
        values=request.form if errors else None,
        errors=errors,
        status=status,
        http_status=http_status,
        invoice=invoice,
        invoice_status=STATUS,
        access_key_blocks=key_blocks(invoice.access_key) if invoice else "",
        issuable=invoice is None or invoice.status in ISSUABLE,
        downloadable=invoice is not None and invoice.status in DOWNLOADABLE,
    )


def _refused(code: int, receivable_id: int, errors: dict, http_status: int):
    """The panel again with the errors and what was typed; nothing the refused change did stays."""
    db.session.rollback()
    return _panel(code, receivable_id, errors=errors, http_status=http_status)


def _changed(code: int, receivable_id: int, message: str):
    """The panel again saying `message`: for htmx, the tab; for a plain form, a redirect (303)
    to the panel with `message` flashed, so a reload sends nothing again."""
    target = url_for("console.invoice", code=code, receivable_id=receivable_id)
    if is_fragment_request():
        page, status = _panel(code, receivable_id, status=message)
        return page, status, {"HX-Push-Url": target}
    flash(message, "status")
    return redirect(target, 303)


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/nfcom", methods=["GET"])
@requires("fiscal", READ)
def invoice(code: int, receivable_id: int):
    """The receivable's NFCom, as GET /receivables/{id}/invoice shows it (none yet: said so)."""
    return _panel(code, receivable_id)


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/nfcom.pdf", methods=["GET"])
@requires("fiscal", READ)
def invoice_pdf(code: int, receivable_id: int):
    """The DANFE-COM, the very response of GET /receivables/{id}/invoice.pdf."""
    _receivable(code, receivable_id)
    return downloads.invoice_file(receivable_id, "pdf")


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/nfcom.xml", methods=["GET"])
@requires("fiscal", READ)
def invoice_xml(code: int, receivable_id: int):
    """The nfcomProc, the very response of GET /receivables/{id}/invoice.xml."""
    _receivable(code, receivable_id)
    return downloads.invoice_file(receivable_id, "xml")


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/nfcom/emitir", methods=["POST"])
@requires("fiscal", WRITE)
def request_invoice(code: int, receivable_id: int):
    """Issue the NFCom now, or again once mended, as POST /receivables/{id}/invoice does."""
    _receivable(code, receivable_id)
    try:
        issuing.request_invoice(receivable_id)
    except DomainError as error:
        return _refused(code, receivable_id, _refusal(error), error.status)
    return _changed(code, receivable_id, "NFCom na fila para emissão.")


@bp.route("/clientes/<int:code>/financeiro/<int:receivable_id>/nfcom/cancelar", methods=["POST"])
@requires("fiscal", WRITE)
def cancel_invoice(code: int, receivable_id: int):
    """Cancel the authorized NFCom with a justification, as POST
    /receivables/{id}/invoice/cancel does (a worker sends the event to SEFAZ)."""
    _receivable(code, receivable_id)
    data, errors = load(InvoiceCancelInput(), body_from(request.form, ("justification",)))
    if errors:
        return _refused(code, receivable_id, errors, 422)
    try:
        issuing.request_cancellation(receivable_id, data["justification"], utcnow())
    except DomainError as error:
        return _refused(code, receivable_id, _refusal(error), error.status)
    return _changed(code, receivable_id, "Cancelamento da NFCom na fila para a SEFAZ.")
