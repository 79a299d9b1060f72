"""Issuing NFComs: which bills get one, building and signing them under their number, sending
them to SEFAZ and acting on its answer, and cancelling them.

Exactly once, number by number:
- `plan_invoices` makes one `pending` row per telecom bill (the receivable is unique);
- `sign_pending` takes numbers only under the fiscal settings row's lock, in the transaction
  that stores each invoice's number, key and signed XML: two workers wait for each other, a
  duplicated task finds nothing pending, a killed worker's transaction takes no number;
- `claim` commits a lease and an attempt before any call to SEFAZ; `send` then sends the stored
  bytes. A retry of an invoice that may have reached SEFAZ (a second attempt) consults its key
  first and keeps an authorization it finds instead of sending again.
The caller (tasks/fiscal.py) commits between these steps.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from lxml import etree
from sqlalchemy import exists, func, literal, or_, select

from models.billing import boletos
from models.billing.receivables import (
    BOLETO_FEE,
    CANCELLED,
    DISCOUNT,
    PLAN,
    SPEED_REDUCTION,
    Receivable,
)
from models.bulk_history import record_created
from models.clock import zone
from models.customers.customer_options import CustomerOptions
from models.customers.customers import PF, Customer
from models.db import db, get_for_update, upsert
from models.effects import after_commit
from models.errors import Conflict, DomainError, NotFound
from models.fiscal import danfe, events, nfcom_proc, numbering, schemas, signing
from models.fiscal.fiscal_settings import FiscalSettings, fiscal_settings
from models.fiscal.invoices import (
    AUTHORIZED,
    CANCELLING,
    DIVERGENT,
    FAILED,
    INCOMPLETE,
    PENDING,
    REJECTED,
    SIGNED,
    STATUS_WORDS,
    TO_SEND,
    WAITING,
    Invoice,
    get_invoice_of,
    invoice_of,
)
from models.fiscal.invoices import CANCELLED as INVOICE_CANCELLED
from models.fiscal.nfcom_documents import (
    Address,
    Bill,
    IncompleteInvoice,
    Line,
    NFComData,
    Subscriber,
    build_xml,
)
from models.fiscal.nfcom_documents import Customer as Recipient
from models.fiscal.plan_profiles import TELECOM_KINDS, PlanFiscalProfile
from models.fiscal.sefaz_client import (
    DUPLICATE,
    HOMOLOGATION,
    PRODUCTION,
    TP_AMB,
    Answer,
    Sefaz,
    SefazDivergence,
    SefazError,
    SefazUnavailable,
)
from models.fiscal.settings import SefazSettings
from models.service.access_attributes import offer_lines
from models.service.plans import Plan
from models.service.subscriptions import Subscription
from models.settings import current

log = logging.getLogger(__name__)

CANCEL_TASK = "tasks.fiscal.cancel_invoice"
ISSUE_TASK = "tasks.fiscal.issue_invoices"
LEASE = timedelta(minutes=3)  # a claim outlives one send: up to 3 SEFAZ calls of 30 s at most
QUEUED_FOR = timedelta(minutes=5)  # a queued row is queued again after this
SETTLED = timedelta(minutes=10)  # no transaction that makes receivables stays open this long
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
ALREADY_CANCELLED = frozenset({218, 631})  # already cancelled / the event already registered
EVENT_REGISTERED = frozenset({135, 136})
# Signed again (under their number, if they had one): SEFAZ registered nothing of them.
RESIGNABLE = (INCOMPLETE, REJECTED)
INCOMPLETE_RETRY = timedelta(minutes=30)  # beat tries an incomplete invoice again after this
IE_SEPARATORS = str.maketrans("", "", "./- ")  # what staff type between an IE's digits


class BillCancelled(IncompleteInvoice):
    """The bill was cancelled: no NFCom, and nothing to try again."""


def _backoff(attempts: int) -> timedelta:
    """How long an invoice SEFAZ did not answer waits: 1, 2, 4... minutes, at most 30."""
    return timedelta(minutes=min(30, 2 ** max(0, attempts - 1)))


# --- which bills --------------------------------------------------------------------------
def planning_start() -> int:
    """The receivable id the sweep goes on from (every one up to it was looked at)."""
    return fiscal_settings().planned_through


def advance_planning(start: int, now: datetime) -> None:
    """Move the sweep's mark past the receivables made more than SETTLED ago: a receivable
    whose transaction was still open when the sweep passed (an id taken, not yet committed)
    is looked at again until then, so none is missed; older ones are never read again."""
    settings = fiscal_settings()
    if not settings.active or settings.first_issue_date is None:
        return  # nothing was planned: the receivables wait for issuing to be switched on
    r = Receivable.__table__.c
    settled = db.session.scalar(
        select(func.max(r.id)).where(r.id > start, r.created_at < now - SETTLED)
    )
    if settled is not None:
        table = FiscalSettings.__table__
        db.session.execute(table.update().values(planned_through=settled))


def telecom_bills():
    """SQL: the receivables that carry an NFCom, the bills of a telecom plan not cancelled
    (their ids; narrow it with .where)."""
    r, s, p = Receivable.__table__.c, Subscription.__table__.c, Plan.__table__.c
    return (
        select(r.id)
        .select_from(Receivable.__table__)
        .join(Subscription.__table__, s.id == r.subscription_id)
        .join(Plan.__table__, p.id == s.plan_id)
        .where(p.kind.in_(TELECOM_KINDS), r.status != CANCELLED)
    )


def plan_invoices(after: int, size: int, now: datetime) -> tuple[int | None, int]:
    """Pending invoices for the telecom bills among the next `size` receivables with an id
    above `after`, issued from the settings' first day on (none for a cancelled bill, none
    twice). Returns (the last receivable id looked at or None when none was left, rows made)."""
    settings = fiscal_settings()
    if not settings.active or settings.first_issue_date is None:
        return None, 0
    r = Receivable.__table__.c
    page = select(r.id).where(r.id > after).order_by(r.id).limit(size).subquery()
    upto = db.session.scalar(select(func.max(page.c.id)))
    if upto is None:
        return None, 0
    invoiced = exists().where(Invoice.receivable_id == r.id)
    rows = (
        telecom_bills()
        .with_only_columns(
            r.id, r.customer_code, literal(PENDING), literal(0), literal(now), literal(now)
        )
        .where(r.id > after, r.id <= upto)
        .where(r.issue_date >= settings.first_issue_date, ~invoiced)
        .order_by(r.id)
    )
    columns = ["receivable_id", "customer_code", "status", "attempts", "created_at", "updated_at"]
    table = Invoice.__table__
    statement = (  # two sweeps at once, or finance asking meanwhile: one row, no error
        upsert(table)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=[table.c.receivable_id])
        .returning(table.c.id)
    )
    made = db.session.execute(statement).all()
    if made:
        record_created(Invoice, [row.id for row in made])
    return upto, len(made)


def request_invoice(receivable_id: int) -> Invoice:
    """Finance asks for the receivable's NFCom: a new pending one; an incomplete or rejected one
    signed again (under its number, if it had one: SEFAZ registered nothing); a failed one sent
    again as it was signed (SEFAZ may hold it: consulted first); one issued in homologação,
    issued anew once the settings are in produção. Conflict for a bill that is not a telecom
    plan's, cancelled, or whose invoice is past these stages."""
    receivable = db.session.get(Receivable, receivable_id)
    if receivable is None:
        raise NotFound(f"Receivable {receivable_id} not found.")
    if receivable.status == CANCELLED:
        raise Conflict("A conta foi cancelada: não se emite NFCom para ela.")
    telecom = telecom_bills().where(Receivable.__table__.c.id == receivable_id)
    if db.session.scalar(telecom) is None:
        raise Conflict(
            "Só contas de planos de comunicação (internet, voz) levam NFCom.",
            {"receivable": ["Not a telecom plan's bill."]},
        )
    invoice = invoice_of(receivable_id)
    if invoice is None:
        invoice = Invoice(
            receivable_id=receivable_id, customer_code=receivable.customer_code, status=PENDING
        )
        db.session.add(invoice)
    elif invoice.status in RESIGNABLE:
        invoice.status, invoice.reason, invoice.next_attempt_at = PENDING, None, None
    elif invoice.status == FAILED:  # its stored bytes may be at SEFAZ: sent again, after a consult
        invoice.status, invoice.reason, invoice.next_attempt_at = WAITING, None, None
    elif _homologation_bill_now_in_production(invoice):
        _start_over(invoice)
    else:
        raise Conflict(
            f"A NFCom desta conta está {STATUS_WORDS[invoice.status]}: nada a emitir de novo.",
            {"status": [invoice.status]},
        )
    db.session.flush()
    after_commit(ISSUE_TASK, [invoice.id])
    return invoice


def _homologation_bill_now_in_production(invoice: Invoice) -> bool:
    """A test invoice (no fiscal value) of a bill that must now carry a real one."""
    settled = (AUTHORIZED, INVOICE_CANCELLED, *RESIGNABLE, FAILED, DIVERGENT)
    return (
        invoice.environment == HOMOLOGATION
        and fiscal_settings().environment == PRODUCTION
        and invoice.status in settled
    )


def _start_over(invoice: Invoice) -> None:
    """Forget the homologação invoice: the bill is invoiced from scratch in produção."""
    for name in ("number", "series", "access_key", "issued_at", "signed_xml", "digest"):
        setattr(invoice, name, None)
    for name in ("protocol", "authorized_at", "protocol_xml", "authorized_xml", "pdf"):
        setattr(invoice, name, None)
    for name in ("cancel_justification", "cancel_requested_at", "cancel_protocol"):
        setattr(invoice, name, None)
    invoice.cancelled_at, invoice.cancel_xml, invoice.environment = None, None, None
    invoice.status, invoice.reason, invoice.status_code = PENDING, None, None
    invoice.next_attempt_at, invoice.sending_until = None, None


# --- building and signing -----------------------------------------------------------------
def _address(customer: Customer) -> Address:
    parts = {part: getattr(customer, f"address_{part}") for part in ("street", "number")}
    parts |= {part: getattr(customer, f"address_{part}") for part in ("district", "city")}
    missing = [name for name, value in parts.items() if not value]
    if not customer.address_city_code:
        missing.append("código IBGE do município")
    if not customer.address_cep or not customer.address_state:
        missing.append("CEP e UF")
    if missing:
        raise IncompleteInvoice(
            f"O cadastro do cliente {customer.code} não tem no endereço: {', '.join(missing)}."
        )
    return Address(
        street=_cut(customer.address_street, 60),
        number=_cut(customer.address_number, 60),
        district=_cut(customer.address_district, 60),
        city_code=customer.address_city_code,
        city=_cut(customer.address_city, 60),
        cep=customer.address_cep,
        uf=customer.address_state,
        complement=_cut(customer.address_complement, 60),
        phone=customer.phone or customer.mobile,
        email=_cut(customer.email, 60),
    )


def _cut(text: str | None, most: int) -> str | None:
    """`text` within the field's length, with no space at either end (TString refuses one)."""
    return (text or "").strip()[:most].rstrip() or None


def state_registration(value: str | None) -> str | None:
    """The customer's IE as the NFCom writes it (TIeDest): its digits, or ISENTO; None when
    there is none. Typed as staff type it ("110.042.490.114", "isento"); the same rule as
    readiness's list of customers who cannot be invoiced."""
    if not value or not value.strip():
        return None
    if value.strip().upper() == "ISENTO":
        return "ISENTO"
    digits = value.translate(IE_SEPARATORS)
    if not (digits.isdigit() and 2 <= len(digits) <= 14):
        raise IncompleteInvoice(
            f"A inscrição estadual do cliente ({value}) não tem de 2 a 14 dígitos: corrija-a."
        )
    return digits


def _lines(receivable: Receivable, plan: Plan, profile: PlanFiscalProfile, uf: str, itemized: bool):
    """The NFCom's items: the plan's line, its discount and the credit for days at reduced
    speed (both reduce the service's price) as vDesc; the boleto fee as its own item
    when the customer asked for an itemized invoice, else as the item's vOutro (an accessory
    charge of the service, taxed with it). Other lines (equipment installments, one-off
    charges) are not communication services and stay off the NFCom."""
    icms = profile.icms_for(uf)
    if icms is None:
        raise IncompleteInvoice(
            f"O plano {plan.name} não tem alíquota de ICMS para {uf}: "
            "configure-a nos dados fiscais do plano."
        )
    kinds = dict.fromkeys((PLAN, DISCOUNT, SPEED_REDUCTION, BOLETO_FEE), Decimal(0))
    plan_line = None
    for line in receivable.lines:
        if line.kind in kinds:
            kinds[line.kind] += line.amount
        if line.kind == PLAN:
            plan_line = line
    if plan_line is None:
        raise IncompleteInvoice("A conta não tem a linha do plano.")
    taxes = {
        "classification": profile.classification,
        "icms": icms,
        "cfop": profile.cfop,
        "pis": profile.pis(),
        "cofins": profile.cofins(),
        "fust_rate": profile.fust_rate,
        "funttel_rate": profile.funttel_rate,
        "ibs_cbs": profile.ibs_cbs(),
    }
    fee = kinds[BOLETO_FEE]
    main = Line(
        code=f"PLANO{plan.id}",
        description=_cut(plan_line.description, 120),
        quantity=Decimal(1),
        unit_price=kinds[PLAN],
        discount=-(kinds[DISCOUNT] + kinds[SPEED_REDUCTION]),
        other=Decimal(0) if itemized else fee,
        **taxes,
    )
    if not itemized or fee <= 0:
        return (main,)
    fee_line = Line(
        code="TARIFA", description="Tarifa de boleto", quantity=Decimal(1), unit_price=fee, **taxes
    )
    return (main, fee_line)


def issue_boletos_first(invoice_ids: list[int]) -> None:
    """Issue the boletos of the pending invoices' bills (each is printed on its NFCom), before
    the numbering lock is taken: they need no invoice number, and the lock is then held for
    the number, the XML and its signature only."""
    pending = select(Invoice.receivable_id).where(
        Invoice.id.in_(invoice_ids), Invoice.status == PENDING
    )
    for receivable_id in db.session.scalars(pending.order_by(Invoice.receivable_id)):
        try:
            boletos.boleto_for(receivable_id)
        except DomainError:  # not paid by boleto, paid, too large: its NFCom goes without
            continue


def _bill(receivable: Receivable) -> Bill | None:
    """The fatura with its boleto's linha digitável, when the bill is paid by boleto."""
    try:
        boleto = boletos.boleto_for(receivable.id)
    except DomainError:  # paid, not by boleto, too large: the NFCom goes without gFat
        return None
    return Bill(
        competence=f"{(receivable.billing_month or receivable.due_date):%Y%m}",
        due_date=receivable.due_date,
        barcode=boleto.digitable_line,
        pix_code=boleto.pix_code,
    )


def build_data(invoice: Invoice, settings: FiscalSettings, number: int, issued_at: datetime):
    """The NFCom of `invoice` under `number`; IncompleteInvoice saying what is missing."""
    receivable = db.session.get(Receivable, invoice.receivable_id)
    if receivable.status == CANCELLED:
        raise BillCancelled("A conta foi cancelada: não se emite NFCom para ela.")
    customer = db.session.get(Customer, invoice.customer_code)
    subscription = db.session.get(Subscription, receivable.subscription_id)
    profile = db.session.get(PlanFiscalProfile, subscription.plan_id)
    if profile is None:
        raise IncompleteInvoice(
            f"O plano {subscription.plan.name} não tem dados fiscais (classificação e "
            "impostos): configure-os antes de emitir."
        )
    address = _address(customer)
    options = db.session.get(CustomerOptions, customer.code)
    itemized = bool(options and options.itemized_invoice)
    person = customer.kind == PF
    recipient = Recipient(
        name=_cut(customer.name, 60),
        address=address,
        cpf=customer.document if person else None,
        cnpj=None if person else customer.document,
        ie=None if person else state_registration(customer.state_registration),
    )
    subscriber = Subscriber(
        code=str(customer.code),
        kind=3 if person else 1,  # tpAssinante: residencial/pessoa física, comercial
        service=profile.service_type,
        contract=str(subscription.id),
        contract_start=subscription.first_due_date,
    )
    return NFComData(
        issuer=settings.issuer(),
        customer=recipient,
        subscriber=subscriber,
        lines=_lines(receivable, subscription.plan, profile, address.uf, itemized),
        bill=_bill(receivable),
        environment=settings.tp_amb,
        series=settings.series,
        number=number,
        issued_at=issued_at,
        qr_code_base=settings.qr_code_base,
        additional_info=offer_lines(subscription.plan.offer_code),
    )


def sign_pending(invoice_ids: list[int], now: datetime) -> list[int]:
    """Build, sign and validate the pending (and incomplete) invoices among `invoice_ids`, each
    under the series' next number (one that had a number under its own); the ids signed. No
    commit: the number and the document are committed together by the caller."""
    settings = fiscal_settings()
    # The numbering lock first, held until the commit: two workers take turns here, and the
    # second then finds nothing pending (SQLite has no row locks to make it wait otherwise).
    counter = numbering.counter(settings.environment, settings.series)
    to_sign = db.session.scalars(
        select(Invoice)
        .where(Invoice.id.in_(invoice_ids), Invoice.status.in_((PENDING, INCOMPLETE)))
        .order_by(Invoice.id)
        .with_for_update()
    ).all()
    if not to_sign:
        return []
    problem = _settings_problem(settings, now)
    if problem:
        for invoice in to_sign:
            _incomplete(invoice, problem, now)
        return []
    certificate = settings.certificate(now)
    issued_at = now.astimezone(zone())
    signed = []
    for invoice in to_sign:
        own = _own_number(invoice, settings)
        freed = None if own else _abandoned_number(settings)
        number = own or (freed.number if freed else counter.next_number)
        try:
            data = build_data(invoice, settings, number, issued_at)
            xml = signing.sign(build_xml(data), certificate)
            errors = schemas.validate(xml)
            if errors:
                raise IncompleteInvoice(f"O XML não passou no schema oficial: {errors[0]}")
        except IncompleteInvoice as error:
            _incomplete(invoice, str(error), now, retry=not isinstance(error, BillCancelled))
            continue
        if freed is not None:
            _hand_over(freed, invoice)
        elif not own:
            counter.next_number += 1
        document = etree.fromstring(xml)
        invoice.environment, invoice.series = settings.environment, data.series
        invoice.number = number
        invoice.access_key = document.find("{*}infNFCom").get("Id").removeprefix("NFCom")
        invoice.issued_at, invoice.signed_xml = now, xml
        invoice.digest = document.findtext(f".//{DSIG}DigestValue")
        invoice.status, invoice.reason, invoice.status_code = SIGNED, None, None
        # attempts go on counting: a lease of the earlier document can never pass for this one's
        invoice.next_attempt_at, invoice.sending_until = None, None
        signed.append(invoice.id)
    db.session.flush()
    return signed


def _incomplete(invoice: Invoice, reason: str, now: datetime, retry: bool = True) -> None:
    """Not buildable now: the reason for finance, and beat tries again in a while."""
    invoice.status, invoice.reason = INCOMPLETE, reason[:500]
    invoice.next_attempt_at = now + INCOMPLETE_RETRY if retry else None


def _own_number(invoice: Invoice, settings: FiscalSettings) -> int | None:
    """The number an invoice signed before keeps (SEFAZ registered nothing under it), if it
    is of the series now in use; one of another environment or series is let go."""
    if invoice.number is None:
        return None
    if (invoice.environment, invoice.series) == (settings.environment, settings.series):
        return invoice.number
    invoice.number, invoice.access_key = None, None
    db.session.flush()
    return None


def _abandoned_number(settings: FiscalSettings) -> Invoice | None:
    """An invoice that never reached SEFAZ's registry (rejected, or incomplete after a
    number) of a bill cancelled since: modelo 62 has no inutilização, so the next invoice
    of the series takes its number instead of leaving a gap."""
    return db.session.scalars(
        select(Invoice)
        .join(Receivable, Receivable.id == Invoice.receivable_id)
        .where(Invoice.status.in_(RESIGNABLE), Invoice.number.is_not(None))
        .where(Invoice.environment == settings.environment, Invoice.series == settings.series)
        .where(Receivable.status == CANCELLED)
        .order_by(Invoice.number)
        .limit(1)
        .with_for_update(of=Invoice)
    ).first()


def _hand_over(freed: Invoice, taker: Invoice) -> None:
    """`freed`'s number (and so its key) goes to `taker`; its history says where."""
    freed.reason = (
        f"{freed.reason or ''} A conta foi cancelada: o número {freed.number} passou à NFCom "
        f"da conta {taker.receivable_id}."
    ).strip()[:500]
    freed.number, freed.access_key = None, None
    db.session.flush()  # the number and the key are unique: free them before they are taken


def _settings_problem(settings: FiscalSettings, now: datetime) -> str | None:
    if settings.missing():
        return "Dados fiscais do emitente incompletos: " + ", ".join(settings.missing()) + "."
    try:
        settings.certificate(now)
        settings.issuer()  # its cNF secret opens too
    except signing.CertificateError as error:
        return str(error)
    return None


# --- sending ------------------------------------------------------------------------------
def open_sefaz(settings: FiscalSettings, environment: str, now: datetime) -> Sefaz:
    """A client of SVRS in `environment` (an invoice's own) with the issuer's A1 (close it,
    or use `with`); CertificateError when the A1 cannot sign."""
    where = current(SefazSettings)
    return Sefaz(
        environment,
        settings.certificate(now),
        ca_pem=where.ca_pem,
        urls=where.urls(),
        timeout=where.timeout_seconds,
    )


def to_send(invoice_ids: list[int]) -> list[tuple[int, str]]:
    """(id, environment) of the invoices among `invoice_ids` waiting to be sent, in order."""
    table = Invoice.__table__
    rows = db.session.execute(
        select(table.c.id, table.c.environment)
        .where(table.c.id.in_(invoice_ids), table.c.status.in_(TO_SEND))
        .order_by(table.c.id)
    )
    return [(row.id, row.environment) for row in rows]


def environment_of(invoice_id: int) -> str:
    """The environment an invoice was signed for (its SEFAZ, whatever the settings say now)."""
    return db.session.scalar(select(Invoice.environment).where(Invoice.id == invoice_id))


def claim(invoice_id: int, statuses: tuple[str, ...], now: datetime) -> int | None:
    """Lease the invoice to this worker, if it is in `statuses` and no other worker holds it:
    its attempt number (the lease's mark), else None. The caller commits before calling SEFAZ.
    One invoice at a time: a lease covers one send (a consult, a send, a consult after a 204)."""
    table = Invoice.__table__
    statement = (
        table.update()
        .where(table.c.id == invoice_id, table.c.status.in_(statuses))
        .where(or_(table.c.sending_until.is_(None), table.c.sending_until < now))
        .values(sending_until=now + LEASE, attempts=table.c.attempts + 1)
        .returning(table.c.attempts)
    )
    return db.session.scalar(statement)


def _still_mine(invoice_id: int, attempt: int, statuses: tuple[str, ...]) -> Invoice | None:
    """The invoice, locked, if this worker's lease still holds it (no later claim, status
    unchanged): the answer is then applied; else another worker took over and answers."""
    invoice = get_for_update(Invoice, invoice_id)
    if invoice.attempts != attempt or invoice.status not in statuses:
        log.warning("NFCom %s: lease %s lost to another worker", invoice_id, attempt)
        return None
    return invoice


def send(invoice_id: int, attempt: int, sefaz: Sefaz, now: datetime) -> str | None:
    """Send a claimed invoice's stored XML (after a consult on a later attempt: an earlier one
    may have got through) and act on the answer; its status after (None: the lease was lost).
    No commit."""
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    key, digest, xml = invoice.access_key, invoice.digest, invoice.signed_xml
    try:
        answer = _earlier_authorization(key, digest, sefaz) if attempt > 1 else None
        outcome = answer or sefaz.authorize(xml)
    except (SefazDivergence, SefazError) as error:
        outcome = error
    invoice = _still_mine(invoice_id, attempt, TO_SEND)
    if invoice is None:
        return None
    if isinstance(outcome, SefazDivergence):
        invoice.status, invoice.reason = DIVERGENT, str(outcome)
    elif isinstance(outcome, SefazUnavailable):  # not refused, not taken yet: try later
        _wait(invoice, now, outcome)
    elif isinstance(outcome, SefazError):  # an answer no retry mends: a person looks
        invoice.status = FAILED
        invoice.reason = f"Erro na comunicação com a SEFAZ, a verificar: {outcome}"[:500]
        log.error("NFCom %s: SEFAZ's answer unusable: %s", invoice_id, outcome)
    else:
        _apply(invoice, outcome)
    invoice.sending_until = None
    db.session.flush()
    return invoice.status


def postpone(invoice_ids: list[int], now: datetime) -> None:
    """Invoices of a batch not sent because SEFAZ stopped answering: they wait like the one
    that found it down (those another worker holds or moved on are left alone)."""
    table = Invoice.__table__
    db.session.execute(
        table.update()
        .where(table.c.id.in_(invoice_ids), table.c.status.in_(TO_SEND))
        .where(or_(table.c.sending_until.is_(None), table.c.sending_until < now))
        .values(
            status=WAITING,
            next_attempt_at=now + _backoff(1),
            reason="SEFAZ indisponível (sem resposta à nota anterior do lote): a nota será "
            "reenviada.",
        )
    )


def _earlier_authorization(key: str, digest: str, sefaz: Sefaz):
    """What SEFAZ holds under the key when an earlier send may have got through: its
    authorization of our document, or None (unknown key: send it)."""
    found = sefaz.consult(key)
    if found.digest is None:
        return None
    if found.digest != digest:
        raise SefazDivergence(key, found)
    return found if found.authorized else None


def _wait(invoice: Invoice, now: datetime, error: Exception | str) -> None:
    invoice.status = WAITING
    invoice.next_attempt_at = now + _backoff(invoice.attempts)
    invoice.reason = f"SEFAZ indisponível ({error}): a nota será reenviada."[:500]
    log.warning("NFCom %s waits for SEFAZ: %s", invoice.id, error)


def _apply(invoice: Invoice, answer: Answer) -> None:
    invoice.status_code = answer.status
    # A 204 comes back only for our very document (sefaz_client checks its digest), with the
    # first authorization's protocol: the invoice is authorized.
    if not (answer.authorized or (answer.status == DUPLICATE and answer.protocol_xml)):
        invoice.status = REJECTED
        invoice.reason = f"Rejeitada pela SEFAZ: {answer.status} - {answer.reason}"[:500]
        return
    invoice.status, invoice.reason = AUTHORIZED, None
    invoice.protocol, invoice.authorized_at = answer.protocol, answer.received_at
    invoice.protocol_xml = answer.protocol_xml
    invoice.authorized_xml = nfcom_proc.wrap(invoice.signed_xml, answer.protocol_xml)
    invoice.pdf = danfe.render(invoice.authorized_xml)
    invoice.next_attempt_at = None


def hold_for_certificate(invoice_ids: list[int], now: datetime, problem: str) -> None:
    """Invoices to send or cancel while the A1 cannot sign (expired, not opened): they wait
    with the reason, and beat tries again after INCOMPLETE_RETRY."""
    table = Invoice.__table__
    db.session.execute(
        table.update()
        .where(table.c.id.in_(invoice_ids), table.c.status.in_((*TO_SEND, CANCELLING)))
        .values(reason=problem[:500], next_attempt_at=now + INCOMPLETE_RETRY)
    )


# --- cancelling ---------------------------------------------------------------------------
def request_cancellation(receivable_id: int, justification: str, now: datetime) -> Invoice:
    """Finance cancels the receivable's authorized NFCom (15 to 255 characters of reason);
    Conflict when it is not authorized or SEFAZ's deadline has passed. A worker sends the event
    after the commit."""
    invoice = get_invoice_of(receivable_id, for_update=True)
    if invoice.status != AUTHORIZED:
        raise Conflict(
            "Só uma NFCom autorizada pode ser cancelada; esta está "
            f"{STATUS_WORDS[invoice.status]}.",
            {"status": [invoice.status]},
        )
    if now > invoice.cancel_deadline:
        raise Conflict(
            "O prazo de cancelamento desta NFCom terminou em "
            f"{invoice.cancel_deadline.astimezone(zone()):%d/%m/%Y %H:%M} (120 horas do mês "
            "seguinte ao da autorização).",
            {"cancel_deadline": [invoice.cancel_deadline.isoformat()]},
        )
    events.cancellation(  # refuses what SEFAZ would refuse, before anything is queued
        invoice.access_key, invoice.protocol, justification, now, _tp_amb(invoice)
    )
    invoice.status, invoice.cancel_justification = CANCELLING, " ".join(justification.split())
    invoice.cancel_requested_at, invoice.next_attempt_at = now, now
    invoice.sending_until, invoice.reason = None, None
    db.session.flush()
    after_commit(CANCEL_TASK, invoice.id)
    return invoice


def _tp_amb(invoice: Invoice) -> int:
    return int(TP_AMB[invoice.environment])


def cancel(
    invoice_id: int, attempt: int, sefaz: Sefaz, settings: FiscalSettings, now: datetime
) -> str | None:
    """Send a claimed cancellation and act on the answer; the invoice's status after (None:
    the lease was lost). No commit."""
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    event = events.cancellation(
        invoice.access_key,
        invoice.protocol,
        invoice.cancel_justification,
        now.astimezone(zone()),
        _tp_amb(invoice),
    )
    signed = signing.sign(event, settings.certificate(now), "infEvento")
    try:
        outcome = sefaz.send_event(signed)
    except SefazError as error:
        outcome = error
    invoice = _still_mine(invoice_id, attempt, (CANCELLING,))
    if invoice is None:
        return None
    if isinstance(outcome, SefazUnavailable):
        invoice.next_attempt_at = now + _backoff(invoice.attempts)
        invoice.reason = f"SEFAZ indisponível ({outcome}): o cancelamento será reenviado."[:500]
    elif isinstance(outcome, SefazError):  # no retry mends it: finance may ask again later
        invoice.status = AUTHORIZED
        invoice.reason = f"Cancelamento não enviado, a verificar: {outcome}"[:500]
        log.error("NFCom %s: cancellation's answer unusable: %s", invoice_id, outcome)
    elif outcome.status in EVENT_REGISTERED or outcome.status in ALREADY_CANCELLED:
        # 218/631: an earlier send of ours registered it (its answer was lost).
        invoice.status, invoice.reason, invoice.status_code = (
            INVOICE_CANCELLED,
            None,
            outcome.status,
        )
        invoice.cancel_protocol, invoice.cancel_xml = outcome.protocol, outcome.protocol_xml
        invoice.cancelled_at = outcome.received_at or now
    else:
        invoice.status, invoice.status_code = AUTHORIZED, outcome.status
        invoice.reason = f"Cancelamento recusado: {outcome.status} - {outcome.reason}"[:500]
    invoice.sending_until = None
    db.session.flush()
    return invoice.status


# --- what beat hands to workers -----------------------------------------------------------
def due_for_work(now: datetime, limit: int) -> tuple[list[int], list[int]]:
    """(invoices to sign or send, invoices to cancel) whose turn has come and that no worker
    holds; each is marked queued so the next sweeps leave it until QUEUED_FOR has passed. An
    incomplete one comes back on its own time (INCOMPLETE_RETRY), one of a cancelled bill
    never."""
    table = Invoice.__table__
    free = or_(table.c.sending_until.is_(None), table.c.sending_until < now)
    due = or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now)
    work = table.c.status.in_((PENDING, *TO_SEND, CANCELLING))
    retry = (table.c.status == INCOMPLETE) & (table.c.next_attempt_at <= now)
    rows = db.session.execute(
        select(table.c.id, table.c.status)
        .where(or_(work & due, retry), free)
        .order_by(table.c.id)
        .limit(limit)
    ).all()
    if rows:
        db.session.execute(
            table.update()
            .where(table.c.id.in_([row.id for row in rows]))
            .values(next_attempt_at=now + QUEUED_FOR)
        )
    issue = [row.id for row in rows if row.status != CANCELLING]
    return issue, [row.id for row in rows if row.status == CANCELLING]
