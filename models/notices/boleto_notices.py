"""The "boleto" and "overdue" notices: what their e-mails say and attach
(models/notices/notices.py).

Both run in the worker that sends the notice, from its receivable. The boleto e-mail issues the
boleto if it was not yet (models/boletos.boleto_for) and attaches its PDF; a receivable that is
no longer open or paid by boleto by then cannot be written (the notice fails with the reason).
The boleto e-mail also attaches the bill's NFCom (DANFE-COM and XML) once it is authorized.
The overdue notice attaches the boleto too when the receivable is paid by boleto (a second
copy helps payment), and goes without one otherwise (the customer pays by card or debit, or
the amount does not fit a boleto): its `payment_method` variable tells the template which, so
it prints no empty "Linha digitável". The ladder's notices (reduction, suspension,
termination; models/billing/auto_suspension) are overdue notices that also name the date of the
stage they announce. Amounts are what is still owed (the
balance).
"""

from datetime import timedelta

from models.billing.auto_suspension import (
    REDUCTION,
    SUSPENSION,
    TERMINATION,
    notice_days_of,
)
from models.billing.boleto_documents import boleto_pdf, pdf_filename
from models.billing.boleto_pdf import money
from models.billing.boletos import Boleto, boleto_for, issued_boleto
from models.billing.business_days import days_overdue, payable_until
from models.billing.receivables import Receivable
from models.billing.settings import BillingPolicy
from models.clock import local_today
from models.customers.payment_methods import BOLETO as PAYS_BY_BOLETO
from models.customers.payment_methods import PaymentMethod
from models.db import db
from models.errors import Conflict
from models.fiscal import invoices
from models.notices.notices import Attachment, Notice, NoticeKind, register_kind
from models.settings import current

BOLETO, OVERDUE = "boleto", "overdue"


def _date(value) -> str:
    return value.strftime("%d/%m/%Y")


def _boleto_or_none(receivable_id: int) -> Boleto | None:
    try:
        return boleto_for(receivable_id)
    except Conflict:  # not paid by boleto (or settled meanwhile): the notice goes without
        return None


def _context(receivable: Receivable, boleto: Boleto | None) -> dict:
    return {
        "description": receivable.description,
        "amount": money(receivable.balance or receivable.amount),
        "due_date": _date(receivable.due_date),
        "payable_until": _date(payable_until(receivable.due_date)),
        "linha_digitavel": boleto.digitable_line_formatted if boleto else "",
        "pix_code": (boleto.pix_code_shown or "") if boleto else "",
    }


def _attach(boleto: Boleto | None) -> list[Attachment]:
    return [] if boleto is None else [Attachment(pdf_filename(boleto), boleto_pdf(boleto))]


def boleto_context(notice: Notice) -> dict:
    """The boleto e-mail's variables (the boleto is issued now if it was not yet)."""
    receivable = db.session.get(Receivable, notice.receivable_id)
    return _context(receivable, boleto_for(notice.receivable_id))


def _invoice_attachments(receivable_id: int) -> list[Attachment]:
    """The bill's NFCom when it is authorized: its DANFE-COM and its XML (nfcomProc). One not
    authorized yet goes later by its own download (the record, the API)."""
    invoice = invoices.invoice_of(receivable_id)
    if invoice is None or invoice.status != invoices.AUTHORIZED:
        return []
    return [
        Attachment(invoices.file_name(invoice, "pdf"), invoice.pdf),
        Attachment(invoices.file_name(invoice, "xml"), invoice.authorized_xml, "application/xml"),
    ]


def boleto_attachments(notice: Notice) -> list[Attachment]:
    """The boleto's PDF, and the bill's NFCom when it is authorized."""
    boleto = _attach(boleto_for(notice.receivable_id))
    return boleto + _invoice_attachments(notice.receivable_id)


def _payment_method(receivable: Receivable, boleto: Boleto | None) -> str:
    """boleto when there is one to pay (it stays valid), else the customer's default method."""
    if boleto is not None:
        return PAYS_BY_BOLETO
    default = db.select(PaymentMethod.method).where(
        PaymentMethod.customer_code == receivable.customer_code, PaymentMethod.is_default.is_(True)
    )
    return db.session.scalar(default) or PAYS_BY_BOLETO


def overdue_context(notice: Notice) -> dict:
    """The overdue notice's variables: the stage reached, the days overdue today, and how the
    customer pays (no boleto: card or debit)."""
    receivable = db.session.get(Receivable, notice.receivable_id)
    return _overdue(receivable, _boleto_or_none(notice.receivable_id), notice.stage)


def _overdue(receivable: Receivable, boleto: Boleto | None, stage: int) -> dict:
    business = current(BillingPolicy).notice_business_days
    late = days_overdue(receivable.due_date, local_today(), business)
    return {
        **_context(receivable, boleto),
        "payment_method": _payment_method(receivable, boleto),
        "stage": stage,
        "days_overdue": max(late, stage),  # sent later than its day: never fewer
        "days_kind": "úteis" if business else "corridos",
    }


NEXT_STAGE = {REDUCTION: "a suspensão total do serviço", SUSPENSION: "", TERMINATION: ""}


def _stage_notice(kind: str, receivable: Receivable, boleto: Boleto | None) -> dict:
    """A ladder notice's variables: days overdue (calendar, the ladder's count), the date of
    the stage it announces (counted from today, the day it is written and sent), its notice
    days, the speed kept (a reduction) and what comes next."""
    days = notice_days_of(kind)
    stage_date = _date(local_today() + timedelta(days=days))
    variables = {
        **_context(receivable, boleto),
        "payment_method": _payment_method(receivable, boleto),
        "days_overdue": days_overdue(receivable.due_date, local_today(), False),
        "days_kind": "corridos",
        "stage_date": stage_date,
        "notice_days": days,
        "next_stage": NEXT_STAGE[kind],
    }
    if kind == SUSPENSION:
        variables["suspension_date"] = stage_date
    if kind == REDUCTION:
        variables["speed_percent"] = current(BillingPolicy).reduce_speed_percent
    return variables


def _ladder_kind(kind: str, template: str) -> NoticeKind:
    """The notice kind announcing one ladder stage, with the overdue notices' attachments."""

    def context(notice: Notice) -> dict:
        receivable = db.session.get(Receivable, notice.receivable_id)
        return _stage_notice(kind, receivable, _boleto_or_none(notice.receivable_id))

    def variables(receivable: Receivable) -> dict:
        return _stage_notice(kind, receivable, issued_boleto(receivable))

    return NoticeKind(template, context, overdue_attachments, preload, variables)


# A preview (models/notices/previews.py) of a receivable's e-mail: the same variables, from the
# boleto already issued if any (a preview issues none), at the stage the receivable has reached.
def boleto_variables(receivable: Receivable) -> dict:
    return _context(receivable, issued_boleto(receivable))


def overdue_variables(receivable: Receivable) -> dict:
    stages = sorted(current(BillingPolicy).overdue_notice_days)
    business = current(BillingPolicy).notice_business_days
    late = days_overdue(receivable.due_date, local_today(), business)
    reached = [stage for stage in stages if stage <= late]
    stage = reached[-1] if reached else (stages[0] if stages else max(late, 1))
    return _overdue(receivable, issued_boleto(receivable), stage)


def overdue_attachments(notice: Notice) -> list[Attachment]:
    return _attach(_boleto_or_none(notice.receivable_id))


def preload(receivable_ids: list[int]) -> list:
    """The receivables (with their lines) and boletos a batch of notices reads."""
    receivables = db.select(Receivable).where(Receivable.id.in_(receivable_ids))
    boletos = db.select(Boleto).where(Boleto.receivable_id.in_(receivable_ids))
    return [*db.session.scalars(receivables), *db.session.scalars(boletos)]


register_kind(
    BOLETO,
    NoticeKind("boleto", boleto_context, boleto_attachments, preload, boleto_variables),
)
register_kind(
    OVERDUE,
    NoticeKind("overdue_notice", overdue_context, overdue_attachments, preload, overdue_variables),
)
register_kind(SUSPENSION, _ladder_kind(SUSPENSION, "suspension_notice"))
register_kind(REDUCTION, _ladder_kind(REDUCTION, "reduction_notice"))
register_kind(TERMINATION, _ladder_kind(TERMINATION, "termination_notice"))
