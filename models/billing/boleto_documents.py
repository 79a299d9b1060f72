"""The boleto as the customer gets it: the PDF (models/billing/boleto_pdf.py) filled from the
database."""

from models.billing.billing_accounts import BillingAccount
from models.billing.boleto_banks import bank_for
from models.billing.boleto_pdf import BoletoView, render_boleto
from models.billing.boletos import Boleto
from models.billing.receivables import Receivable
from models.billing.settings import BoletoSettings
from models.customers.customers import Customer
from models.customers.identifiers import format_cep, format_cnpj, format_cpf
from models.db import db
from models.service.access_attributes import offer_lines
from models.service.plans import Plan
from models.service.subscriptions import Subscription
from models.settings import current

INSTRUCTIONS = (
    "Após o vencimento, pagável em qualquer banco até a data limite do banco.",
    "Não receber após 60 dias do vencimento.",
)


def format_document(document: str | None) -> str:
    """A CPF (11 digits) or a CNPJ (14 characters) formatted; anything else as it is."""
    if not document:
        return ""
    if len(document) == 11 and document.isdigit():
        return format_cpf(document)
    return format_cnpj(document) if len(document) == 14 else document


def _cnpj(document: str | None) -> str:
    """The beneficiary's CNPJ formatted; "" when the demonstration account has none."""
    return format_cnpj(document) if document else ""


def payer_address(customer: Customer) -> str:
    """The billing address when the customer has one, else the main address, on one line."""
    prefix = "billing" if customer.billing_street else "address"
    street, number, complement, district, city, state, cep = (
        getattr(customer, f"{prefix}_{name}")
        for name in ("street", "number", "complement", "district", "city", "state", "cep")
    )
    first = ", ".join(part for part in (street, number, complement, district) if part)
    place = " - ".join(part for part in (city, state) if part)
    return ", ".join(part for part in (first, place, format_cep(cep) if cep else "") if part)


def _account_instructions(boleto: Boleto) -> tuple[str, ...]:
    """The account's own lines for the Instruções box: its text, then its fine and interest
    (a boleto issued before accounts were kept has none)."""
    if boleto.billing_account_id is None:
        return ()
    billing = db.session.get(BillingAccount, boleto.billing_account_id)
    lines = [line.strip() for line in billing.instructions.splitlines() if line.strip()]
    charges = []
    if billing.fine_percent:
        charges.append(f"multa de {billing.fine_percent:.2f}%".replace(".", ","))
    if billing.interest_percent_month:
        daily = billing.interest_per_day(boleto.amount)
        charges.append(f"juros de R$ {daily:.2f} ao dia".replace(".", ","))
    if charges:
        lines.append("Após o vencimento, " + " e ".join(charges) + ".")
    return tuple(lines)


def _offer(receivable: Receivable) -> tuple[str, ...]:
    """The billed plan's offer code (the consumer rules want it on the bill), as a line."""
    if receivable.subscription_id is None:
        return ()
    code = db.session.scalar(
        db.select(Plan.offer_code)
        .join(Subscription, Subscription.plan_id == Plan.id)
        .where(Subscription.id == receivable.subscription_id)
    )
    return offer_lines(code)


def _issuer(boleto: Boleto) -> BoletoSettings:
    """Whom the boleto pays and on which account: the billing account it was issued on; a
    boleto issued before accounts were kept, the settings of the time."""
    settings = current(BoletoSettings)
    if boleto.billing_account_id is None:
        return settings
    billing = db.session.get(BillingAccount, boleto.billing_account_id)
    return BoletoSettings(
        account=billing.bank_account(),
        beneficiary_name=billing.beneficiary_name,
        beneficiary_document=billing.beneficiary_document,
        beneficiary_address=billing.beneficiary_address,
        demo=billing.demo,
    )


def boleto_view(boleto: Boleto) -> BoletoView:
    """Everything the boleto prints: the stored codes, the customer, the beneficiary."""
    receivable = db.session.get(Receivable, boleto.receivable_id)
    customer = db.session.get(Customer, boleto.customer_code)
    issuer = _issuer(boleto)
    bank = bank_for(boleto.bank)
    return BoletoView(
        bank_code=boleto.bank,
        bank_name=bank.name,
        beneficiary_name=issuer.beneficiary_name,
        beneficiary_document=_cnpj(issuer.beneficiary_document),
        agency_account=bank.agency_account(issuer.account),
        payer_name=customer.name,
        payer_document=format_document(customer.document),
        payer_address=payer_address(customer),
        document_number=str(receivable.id),
        nosso_numero=boleto.nosso_numero,
        due_date=boleto.due_date,
        amount=boleto.amount,
        issue_date=receivable.issue_date,
        barcode=boleto.barcode,
        linha_digitavel=boleto.digitable_line_formatted,
        wallet=issuer.account.wallet,
        instructions=(
            receivable.description,
            *_offer(receivable),
            *_account_instructions(boleto),
            *INSTRUCTIONS,
        ),
        pix_code=boleto.pix_code_shown,
        processing_date=boleto.issued_at.date() if boleto.issued_at else None,
        beneficiary_address=issuer.beneficiary_address or "",
        demo=boleto.demo,
    )


def boleto_pdf(boleto: Boleto) -> bytes:
    """The boleto's PDF (one A4 page)."""
    return render_boleto(boleto_view(boleto))


def pdf_filename(boleto: Boleto) -> str:
    """A safe attachment name: digits and fixed text only."""
    return f"boleto-{boleto.receivable_id}-{boleto.due_date:%Y%m%d}.pdf"
