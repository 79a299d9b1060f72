"""Financeiro: the customer's receivables with their lines and status, a payment recorded by
hand (a partial one leaves a balance), an open one cancelled with a reason, and its boleto (the
linha digitável, the PDF "2ª via" and the PIX copia e cola), as web/api/billing/receivables.py
and web/api/billing/boletos.py do (same schemas, same operations). Below them, the trust unlock
of the customer and the suspension hold of each subscription [5.1.1], with their limits shown,
as web/api/billing/suspension_holds.py does. Last, the e-mails sent to the customer (notices)
with their status, a failed or skipped one sent again as web/api/notices/notices.py does. A
row's NFCom panel is web/console/invoices.py's (it opens in this tab, through `_tab`).
"""

from flask import abort, request
from sqlalchemy import select

from models.billing import auto_suspension, receivables, suspension_holds
from models.billing.boletos import boleto_for
from models.billing.settings import BillingPolicy
from models.clock import local_today
from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError
from models.fiscal import issuing
from models.fiscal.invoices import Invoice
from models.notices import notices
from models.service.subscriptions import CANCELLED, Subscription, get_subscription
from models.settings import current
from schemas.billing.receivables import (
    CustomerReceivableQuery,
    ManualReceivableInput,
    ReceivableCancelInput,
    ReceivablePaymentInput,
)
from schemas.billing.suspension_holds import SuspensionHoldInput, TrustUnlockInput
from web import downloads
from web.console.blueprint import bp, is_fragment_request
from web.console.forms import add_messages, body_from, domain_errors, last_page, load, page_asked
from web.console.record import listed_again, render_tab
from web.console.record_summary import record_summary
from web.permissions import READ, WRITE
from web.security import may, requires

add_messages(
    (r"Far more than the receivable's amount\.", "Valor muito acima do valor do título."),
    (r"Receivable \d+ is paid; only .*", "Este título já está pago."),
    (r"Receivable \d+ is cancelled; only .*", "Este título está cancelado."),
    (r"Receivable \d+ is partially_paid; only open\.", "Um título com pagamento não se cancela."),
    (r"Receivable \d+ is \w+; it has no boleto\.", "Este título não está em aberto."),
    (r"Receivable \d+ is not paid by boleto\.", "O cliente não paga por boleto."),
    (r"At least one line\.", "Preencha ao menos uma linha (descrição e valor)."),
    (
        r"The lines must add up to more than 0 and at most [\d.]+ .*",
        "A soma das linhas deve ser maior que zero e caber num boleto.",
    ),
    (
        r"At most (\d+) days ahead \((\d{4})-(\d{2})-(\d{2})\)\.",
        "No máximo {0} dias à frente (até {3}/{2}/{1}).",
    ),
    (
        r"One trust unlock per (\d+) days: the next is possible on (\d{4})-(\d{2})-(\d{2})\.",
        "Um desbloqueio de confiança a cada {0} dias: o próximo é possível em {3}/{2}/{1}.",
    ),
    (
        r"Customer \d+ has no subscription suspended for non-payment\.",
        "Nenhum plano do cliente está suspenso por falta de pagamento.",
    ),
    (
        r"Already held until (\d{4})-(\d{2})-(\d{2}); lift that hold first\.",
        "Já retido até {2}/{1}/{0}: encerre essa retenção antes.",
    ),
    (r"Subscription \d+ is cancelled\.", "Este plano está cancelado."),
    (r"Subscription \d+ has no hold in force\.", "Este plano não tem retenção em vigor."),
)
RECEIVABLES_PER_PAGE = 24  # two years of monthly bills
HOLDS_SHOWN = 5  # a subscription's latest holds listed
NOTICES_SHOWN = 50  # the customer's latest e-mails listed
add_messages(
    (
        r"Notice \d+ is \w+; only failed or skipped ones are sent again\.",
        "Só um e-mail que falhou ou foi ignorado é enviado de novo.",
    ),
    (
        r"Notice \d+ is \w+ with no unknown outcome; .*",
        "Só um e-mail de entrega incerta é marcado como enviado.",
    ),
)
NOTICE_KINDS = {
    "boleto": "Boleto",
    "overdue": "Aviso de atraso",
    "suspension": "Aviso de suspensão",
    "reduction": "Aviso de redução da velocidade",
    "termination": "Aviso de cancelamento do contrato",
}
SKIPPED_REASONS = {
    notices.NO_ADDRESS: "cliente sem e-mail",
    notices.NO_CONSENT: "consentimento de e-mail retirado",
    notices.NO_SERVER: "servidor de e-mail não configurado",
    notices.TAKEN_OVER: "retomado pela recuperação",
}
NOTICE_STATUS = {
    notices.QUEUED: ("Na fila", "aberto"),
    notices.SENDING: ("Enviando", "aberto"),
    notices.SENT: ("Enviado", "pago"),
    notices.FAILED: ("Falhou", "vencido"),
    notices.SKIPPED: ("Não enviado", "parcial"),
}

PAYMENT, CANCEL, BOLETO, NEW = "pagamento", "cancelar", "boleto", "novo"
NEW_LINES = 4  # line rows on the "Novo título" form (blank rows are left out)
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


def _holds_context(code: int, today) -> dict:
    """The trust unlocks and, per subscription in force, its latest holds and the one in force
    (only for a role that reads them)."""
    if not may("suspension_holds", READ):
        return {"holds_shown": False}
    policy = current(BillingPolicy)
    unlocks, _ = suspension_holds.list_trust_unlocks(code, 1, HOLDS_SHOWN)
    query = db.select(Subscription).where(
        Subscription.customer_code == code, Subscription.status != CANCELLED
    )
    subscriptions = []
    for sub in db.session.scalars(query.order_by(Subscription.id)):
        holds, _ = suspension_holds.list_holds(sub.id, 1, HOLDS_SHOWN)
        in_force = next((h for h in holds if h.lifted_at is None and h.until >= today), None)
        subscriptions.append({"sub": sub, "holds": holds, "in_force": in_force})
    return {
        "holds_shown": True,
        "policy": policy,
        "unlocks": unlocks,
        "subscriptions": subscriptions,
        "today": today,
    }


def _notices(code: int) -> list | None:
    """The customer's latest e-mails (None for a role that does not read them)."""
    if not may("notices", READ):
        return None
    found, _ = notices.list_notices({"customer_code": code}, 1, NOTICES_SHOWN)
    return found


def _nfcom_rows(found) -> set[int]:
    """The listed receivables whose "NFCom" link is shown (web/console/invoices.py): those with
    an invoice, for a role that reads them, and the telecom bills not cancelled still without
    one, for a role that issues them (the operation decides; this only offers the panel)."""
    ids = [r.id for r in found]
    if not ids or not may("fiscal", READ):
        return set()
    shown = set(
        db.session.scalars(select(Invoice.receivable_id).where(Invoice.receivable_id.in_(ids)))
    )
    if may("fiscal", WRITE):
        telecom = issuing.telecom_bills().where(receivables.Receivable.id.in_(ids))
        shown |= set(db.session.scalars(telecom))
    return shown


def _tab(
    code,
    status=None,
    chosen=None,
    mode=None,
    values=None,
    errors=None,
    boleto=None,
    form=None,
    http_status=200,
    **panel,
):
    customer = get_customer(code)
    page, _ = page_asked(CustomerReceivableQuery(), RECEIVABLES_PER_PAGE)
    filters = {"customer_code": code}
    found, total = receivables.list_receivables(filters, page, RECEIVABLES_PER_PAGE)
    today = local_today()
    page = render_tab(
        "financeiro",
        "console/record/financeiro.html",
        customer,
        receivables=found,
        new_lines=range(NEW_LINES),
        page=page,
        last_page=last_page(total, RECEIVABLES_PER_PAGE),
        statuses={r.id: status_of(r, today) for r in found},
        nfcom_rows=_nfcom_rows(found),
        owed=receivables.OWED,
        open_status=receivables.OPEN,
        chosen=chosen,
        mode=mode,
        boleto=boleto,
        values=values or {},
        errors=errors or {},
        status=status,
        notices=_notices(code),
        notice_kinds=NOTICE_KINDS,
        notice_status=NOTICE_STATUS,
        skipped_reasons=SKIPPED_REASONS,
        resendable=(notices.FAILED, notices.SKIPPED),
        form=form,  # the form `values` and `errors` belong to (payment and cancel: `mode`)
        **_holds_context(code, today),
        # After a change, htmx swaps the record's header in too (its debts changed).
        header=record_summary(code, swapped=True) if status and is_fragment_request() else None,
        **panel,  # what a panel of another module shows (the NFCom's: web/console/invoices.py)
    )
    return page, http_status


def _done(code: int, message: str):
    return listed_again(code, message, _tab, "console.finance")


@bp.route("/clientes/<int:code>/financeiro", methods=["GET"], endpoint="finance")
@requires("receivables", READ)
def finance(code: int):
    """The customer's receivables, newest due date first, with their lines."""
    return _tab(code)


def _form_again(code: int, receivable_id: int, mode: str, errors: dict, status: int):
    """The payment or cancel form shown again with its errors and what was typed; the
    receivable read after a rollback, as stored (nothing the refused change did stays)."""
    db.session.rollback()
    receivable = _receivable(code, receivable_id)
    return _tab(
        code,
        chosen=receivable,
        mode=mode,
        values=request.form,
        errors=errors,
        http_status=status,
    )


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
        return _form_again(code, receivable_id, PAYMENT, errors, 422)
    try:
        receivable = receivables.settle(receivable_id, data["paid_on"], data["amount"])
    except DomainError as error:
        return _form_again(code, receivable_id, PAYMENT, domain_errors(error), error.status)
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
    _receivable(code, receivable_id)  # 404 unless it is this customer's
    data, errors = load(ReceivableCancelInput(), body_from(request.form, ("reason",)))
    if errors:
        return _form_again(code, receivable_id, CANCEL, errors, 422)
    try:
        receivables.cancel(receivable_id, data["reason"])
    except DomainError as error:
        return _form_again(code, receivable_id, CANCEL, domain_errors(error), error.status)
    return _done(code, f"Título {receivable_id} cancelado.")


def _manual_body(form) -> tuple[dict, list[int]]:
    """The API body of the "Novo título" form, and the row each of its lines came from (blank
    rows are left out, so an error on the body's line k belongs to row rows[k])."""
    body = body_from(form, ("description", "due_date"), dates=("due_date",))
    body["lines"], rows = [], []
    for row in range(NEW_LINES):
        names = (f"lines.{row}.description", f"lines.{row}.amount")
        typed = body_from(form, names, money=names[1:]).get("lines", {}).get(str(row))
        if typed:
            body["lines"].append(typed)
            rows.append(row)
    return body, rows


def _on_rows(errors: dict, rows: list[int]) -> dict:
    """Errors on the body's lines ("lines.k.amount") put on the form's rows."""
    shown = {}
    for name, messages in errors.items():
        parts = name.split(".")
        if (
            parts[0] == "lines"
            and len(parts) > 1
            and parts[1].isdigit()
            and int(parts[1]) < len(rows)
        ):
            parts[1] = str(rows[int(parts[1])])
        shown[".".join(parts)] = messages
    return shown


@bp.route("/clientes/<int:code>/financeiro/novo", methods=["GET"])
@requires("receivables", WRITE)
def manual_receivable_form(code: int):
    return _tab(code, mode=NEW)


@bp.route("/clientes/<int:code>/financeiro/novo", methods=["POST"])
@requires("receivables", WRITE)
def create_manual_receivable(code: int):
    """A receivable typed in by hand, as POST /customers/{code}/receivables does."""
    body, rows = _manual_body(request.form)
    data, errors = load(ManualReceivableInput(), body)
    status = 422
    if data is not None:
        try:
            receivable = receivables.create_manual(code, data)
        except DomainError as error:
            db.session.rollback()
            errors, status = domain_errors(error), error.status
        else:
            return _done(code, f"Título {receivable.id} incluído.")
    shown = _on_rows(errors, rows)
    return _tab(code, mode=NEW, values=request.form, errors=shown, http_status=status)


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


def _subscription(code: int, subscription_id: int):
    """The customer's subscription (404 if it is someone else's)."""
    subscription = get_subscription(subscription_id)
    if subscription.customer_code != code:
        abort(404)
    return subscription


def _refused(code: int, form: str, errors: dict, http_status: int):
    return _tab(code, values=request.form, errors=errors, form=form, http_status=http_status)


@bp.route("/clientes/<int:code>/financeiro/desbloqueio", methods=["POST"])
@requires("suspension_holds", WRITE)
def trust_unlock(code: int):
    """Enable the subscriptions suspended for non-payment until a date, as POST
    /customers/{code}/trust-unlock does (within the policy's days, once per period)."""
    get_customer(code)
    data, errors = load(TrustUnlockInput(), body_from(request.form, ("until",), dates=("until",)))
    if errors:
        return _refused(code, "desbloqueio", errors, 422)
    policy = current(BillingPolicy)
    try:
        auto_suspension.grant_trust_unlock(
            code, data["until"], policy.trust_unlock_max_days, policy.trust_unlock_period_days
        )
    except DomainError as error:
        db.session.rollback()
        return _refused(code, "desbloqueio", domain_errors(error), error.status)
    return _done(code, "Desbloqueio de confiança concedido.")


@bp.route("/clientes/<int:code>/financeiro/retencao/<int:subscription_id>", methods=["POST"])
@requires("suspension_holds", WRITE)
def place_hold(code: int, subscription_id: int):
    """Suspensão Programada: keep the ladder's suspension and/or reduction off a subscription
    until a date, as POST /subscriptions/{id}/suspension-hold does."""
    _subscription(code, subscription_id)
    fields, flags = ("until", "reason", "no_suspend", "no_reduce"), ("no_suspend", "no_reduce")
    body = body_from(request.form, fields, dates=("until",), checkboxes=flags)
    data, errors = load(SuspensionHoldInput(), body)
    form = f"retencao-{subscription_id}"
    if errors:
        return _refused(code, form, errors, 422)
    try:
        suspension_holds.place_hold(
            subscription_id, data["until"], data["reason"], data["no_suspend"], data["no_reduce"]
        )
    except DomainError as error:
        db.session.rollback()
        return _refused(code, form, domain_errors(error), error.status)
    return _done(code, "Suspensão retida.")


@bp.route(
    "/clientes/<int:code>/financeiro/retencao/<int:subscription_id>/encerrar", methods=["POST"]
)
@requires("suspension_holds", WRITE)
def lift_hold(code: int, subscription_id: int):
    """End the hold in force now, as DELETE /subscriptions/{id}/suspension-hold does."""
    _subscription(code, subscription_id)
    try:
        suspension_holds.lift_hold(subscription_id)
    except DomainError as error:
        db.session.rollback()
        return _refused(code, f"retencao-{subscription_id}", domain_errors(error), error.status)
    return _done(code, "Retenção encerrada.")


@bp.route("/clientes/<int:code>/financeiro/emails/<int:notice_id>/reenviar", methods=["POST"])
@requires("notice_resends", WRITE)
def resend_notice(code: int, notice_id: int):
    """Send a failed or skipped e-mail again, as POST /notices/{id}/resend does."""
    if notices.get_notice(notice_id).customer_code != code:
        abort(404)
    try:
        notices.send_again(notice_id)
    except DomainError as error:
        db.session.rollback()
        return _refused(code, "emails", domain_errors(error), error.status)
    return _done(code, "E-mail na fila para envio.")


@bp.route("/clientes/<int:code>/financeiro/emails/<int:notice_id>/enviado", methods=["POST"])
@requires("notice_outcomes", WRITE)
def mark_notice_sent(code: int, notice_id: int):
    """An e-mail whose delivery was cut off, found in the mail server's log: sent, as
    POST /notices/{id}/mark-sent does."""
    if notices.get_notice(notice_id).customer_code != code:
        abort(404)
    try:
        notices.mark_delivered(notice_id)
    except DomainError as error:
        db.session.rollback()
        return _refused(code, "emails", domain_errors(error), error.status)
    return _done(code, "E-mail marcado como enviado.")
