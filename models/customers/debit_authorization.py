"""The debit authorization [5.6.1.4]: a printable A4 PDF the customer signs, in Portuguese.

The bank debits the account the customer signed for, so the copy to sign carries the account
whole; only roles that read payment data unmasked (finance, admins) print it. Anyone else who
may read payment data gets a copy for reference with the account masked (*****123-4), which
says it is not the one to sign. A card number is masked on both (411111******1111): the card
gateway, not the paper, holds it.
"""

import io
from datetime import date
from textwrap import wrap

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas

from models.customers.customers import PF, Customer
from models.customers.identifiers import format_cnpj, format_cpf, format_phone
from models.customers.payment_methods import (
    BANK_DEBIT,
    CARD,
    PHONE_BILL_DEBIT,
    PaymentMethod,
    mask_account,
)

_ACCOUNT_TYPES = {"checking": "conta corrente", "savings": "conta poupança"}
_WORDING = (
    "Autorizo {isp} a debitar os valores referentes aos serviços contratados, nas datas de "
    "vencimento, na forma de pagamento acima. Esta autorização vale até que eu a cancele por "
    "escrito, e o débito de cada fatura pode ser contestado junto a {isp} no prazo legal."
)


MASKED_NOTE = "Via para consulta, conta mascarada: não serve para assinatura."


def _method_lines(method: PaymentMethod, full_account: bool) -> list[str]:
    """What the customer authorizes, one line per detail; the account whole or masked."""
    if method.method == BANK_DEBIT:
        account = method.account_number if full_account else mask_account(method.account_number)
        lines = [
            f"Débito automático em {_ACCOUNT_TYPES.get(method.account_type, 'conta')}",
            f"Banco: {method.bank_code}   Agência: {method.agency}",
            f"Conta: {account}",
        ]
        if method.identifier_code:
            lines.append(f"Código de identificação: {method.identifier_code}")
        return lines
    if method.method == CARD:
        brand = f" {method.card_brand.title()}" if method.card_brand else ""
        return [
            f"Débito em cartão de crédito{brand}",
            f"Cartão: {method.card_number_masked}   Validade: {method.card_expiry}",
        ]
    if method.method == PHONE_BILL_DEBIT:
        return [
            "Débito na conta telefônica",
            f"Telefone: {format_phone(method.ddd + method.phone)}",
            f"Contrato: {method.contract_number}",
        ]
    return ["Boleto bancário"]


def _document(customer: Customer) -> str:
    if customer.kind == PF:
        return f"CPF: {format_cpf(customer.document)}"
    return f"CNPJ: {format_cnpj(customer.document)}"


def render(
    method: PaymentMethod, customer: Customer, isp_name: str, today: date, full_account: bool
) -> bytes:
    """The authorization as PDF bytes: to sign (`full_account`) or for reference, masked."""
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"Autorização de Débito - {customer.name}")
    width, height = A4
    y = height - 2.5 * cm

    def line(text: str, size: int = 11, gap: float = 0.7, font: str = "Helvetica") -> None:
        nonlocal y
        pdf.setFont(font, size)
        pdf.drawString(2.5 * cm, y, text)
        y -= gap * cm

    line(isp_name, 14, 1.0, "Helvetica-Bold")
    line("Autorização de Débito", 16, 1.4, "Helvetica-Bold")
    line(f"Cliente: {customer.name} (código {customer.code})")
    line(_document(customer), gap=1.0)
    for text in _method_lines(method, full_account):
        line(text)
    if method.method == BANK_DEBIT and not full_account:
        line(MASKED_NOTE, 10, 0.7, "Helvetica-Bold")
    y -= 0.5 * cm
    for text in wrap(_WORDING.format(isp=isp_name), 90):
        line(text, 10, 0.55)
    y -= 0.8 * cm
    line(f"Data: {today:%d/%m/%Y}", gap=2.5)
    for caption in (f"Assinatura do titular: {customer.name}", f"{isp_name} (contratada)"):
        pdf.line(2.5 * cm, y, width - 2.5 * cm, y)
        y -= 0.5 * cm
        line(caption, 9, 2.2)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def filename(method: PaymentMethod) -> str:
    """A safe download name: ASCII, no path, from numbers only."""
    return f"autorizacao-debito-{method.customer_code}-{method.id}.pdf"
