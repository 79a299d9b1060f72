"""The boleto PDF (A4, Portuguese): Recibo do Pagador with the PIX QR code, and the Ficha de
Compensação with the Interleaved 2 of 5 barcode, drawn straight on a reportlab canvas.

Plain canvas calls (no platypus) and the standard fonts keep one PDF under a few milliseconds:
the boleto e-mails attach one each. Both parts name the beneficiary with CNPJ and address
(Lei 12.039/2009). A boleto issued on the demonstration account says so at the top, in the
Local de pagamento and under the barcode, in words no one can miss.
"""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.graphics.barcode.common import I2of5
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from models.billing.boleto_codes import bank_code_with_dv
from models.billing.qr_drawing import draw_qr

PAYMENT_PLACE = "Pagável em qualquer banco até o vencimento"
DEMO_MARK = "DEMONSTRAÇÃO — SEM VALOR"
DEMO_PAYMENT_PLACE = f"{DEMO_MARK}: boleto de teste, não pague"
# FEBRABAN: narrow bar 0.254 mm (3 dots at 300 dpi), wide 3x narrow, 13 mm high: 44 digits
# come to 103 mm, the length the standard prints.
NARROW_BAR = 0.254 * mm
BAR_HEIGHT = 13 * mm
QR_SIZE = 32 * mm
LEFT, WIDTH = 12 * mm, 186 * mm


@dataclass(frozen=True)
class BoletoView:
    """Everything a boleto prints, already computed (codes from models/billing/boleto_banks.py)."""

    bank_code: str
    bank_name: str
    beneficiary_name: str
    beneficiary_document: str  # formatted CNPJ; "" on the demonstration account
    agency_account: str  # "Agência/Código do Beneficiário" as the bank prints it
    payer_name: str
    payer_document: str  # formatted
    payer_address: str
    document_number: str
    nosso_numero: str  # as printed, with its check digit
    due_date: date
    amount: Decimal
    issue_date: date
    barcode: str  # 44 digits
    linha_digitavel: str  # formatted
    wallet: str = ""
    instructions: tuple[str, ...] = ()
    pix_code: str | None = None
    document_kind: str = "DS"  # duplicata de serviço
    payment_place: str = PAYMENT_PLACE
    processing_date: date | None = None
    beneficiary_address: str = ""  # one line (Lei 12.039/2009)
    guarantor: str = ""  # Sacador/Avalista: nobody unless the ISP collects for another
    demo: bool = False  # issued on the demonstration account: marked, not payable


def money(amount: Decimal) -> str:
    """R$ in the Brazilian way: "R$ 1.234,56"."""
    text = f"{Decimal(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"R$ {text}"


def _date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _box(c: Canvas, x, y, w, label: str, value: str, h=8 * mm, right=False, bold=False):
    """A field box: its label small at the top, the value below, lines left and bottom."""
    c.line(x, y, x + w, y)
    c.line(x, y, x, y + h)
    c.setFont("Helvetica", 5.5)
    c.drawString(x + 1 * mm, y + h - 2.3 * mm, label)
    c.setFont("Helvetica-Bold" if bold else "Helvetica", 8.5)
    if right:
        c.drawRightString(x + w - 1.5 * mm, y + 1.6 * mm, value)
    else:
        c.drawString(x + 1 * mm, y + 1.6 * mm, value)


def _beneficiary(view: BoletoView) -> str:
    """Name and CNPJ on one line (the address goes on the next)."""
    if not view.beneficiary_document:
        return view.beneficiary_name
    return f"{view.beneficiary_name} - CNPJ {view.beneficiary_document}"


def _tall_box(c: Canvas, x, y, w, label: str, first: str, second: str, h=11 * mm) -> None:
    """A field box with two value lines: the second, smaller, under the first."""
    _box(c, x, y, w, label, "", h=h)
    c.setFont("Helvetica", 8.5)
    c.drawString(x + 1 * mm, y + 4.8 * mm, first)
    c.setFont("Helvetica", 7)
    c.drawString(x + 1 * mm, y + 1.4 * mm, second)


def _header(c: Canvas, view: BoletoView, y, title: str) -> None:
    """Bank name | bank code-DV | the linha digitável (or the section title)."""
    c.setLineWidth(0.8)
    c.line(LEFT, y, LEFT + WIDTH, y)
    c.setFont("Helvetica-Bold", 10)
    c.drawString(LEFT, y + 2 * mm, view.bank_name[:28])
    c.setFont("Helvetica-Bold", 14)
    c.drawCentredString(LEFT + 68 * mm, y + 2 * mm, bank_code_with_dv(view.bank_code))
    c.line(LEFT + 56 * mm, y, LEFT + 56 * mm, y + 7 * mm)
    c.line(LEFT + 80 * mm, y, LEFT + 80 * mm, y + 7 * mm)
    c.setFont("Helvetica-Bold", 10.5 if title == view.linha_digitavel else 10)
    c.drawRightString(LEFT + WIDTH, y + 2 * mm, title)
    c.setLineWidth(0.4)


def _receipt(c: Canvas, view: BoletoView, top) -> None:
    """The Recibo do Pagador: the payer keeps it; the PIX QR code sits at its right."""
    _header(c, view, top, "Recibo do Pagador")
    w = WIDTH - QR_SIZE - 6 * mm
    y = top - 11 * mm
    _tall_box(c, LEFT, y, w, "Beneficiário", _beneficiary(view), view.beneficiary_address)
    rows = [
        [
            ("Agência/Código do Beneficiário", view.agency_account, 0.4),
            ("Nosso Número", view.nosso_numero, 0.35),
            ("Vencimento", _date(view.due_date), 0.25),
        ],
        [
            ("Nº do Documento", view.document_number, 0.4),
            ("Data do Documento", _date(view.issue_date), 0.35),
            ("Valor do Documento", money(view.amount), 0.25),
        ],
        [("Pagador", f"{view.payer_name}  CPF/CNPJ {view.payer_document}", 1)],
    ]
    for row in rows:
        y -= 8 * mm
        x = LEFT
        for label, value, share in row:
            _box(c, x, y, w * share, label, value, bold=label == "Valor do Documento")
            x += w * share
    c.setFont("Helvetica", 6)
    c.drawRightString(LEFT + w, y - 2.5 * mm, "Autenticação mecânica")
    if view.pix_code:
        _pix(c, view.pix_code, LEFT + WIDTH - QR_SIZE, top - QR_SIZE - 4 * mm)
        _pix_text(c, view.pix_code, y - 6 * mm, w)


def _pix(c: Canvas, code: str, x, y) -> None:
    """The PIX QR code with its caption, for boletos híbridos."""
    draw_qr(c, code, x, y, QR_SIZE)
    c.setFont("Helvetica-Bold", 7)
    c.drawCentredString(x + QR_SIZE / 2, y - 3.5 * mm, "Pague com PIX")


def _pix_text(c: Canvas, code: str, y, width) -> None:
    """The copia-e-cola text, wrapped, for payers who pay from the same phone."""
    c.setFont("Helvetica-Bold", 6)
    c.drawString(LEFT, y, "PIX copia e cola:")
    c.setFont("Courier", 6)
    per_line = int(width / c.stringWidth("0", "Courier", 6))
    for n, start in enumerate(range(0, len(code), per_line)):
        c.drawString(LEFT, y - (2.6 + 2.4 * n) * mm, code[start : start + per_line])


def _slip(c: Canvas, view: BoletoView, top) -> float:
    """The Ficha de Compensação boxes; returns the y of its bottom line."""
    _header(c, view, top, view.linha_digitavel)
    left_w, right_w = WIDTH - 48 * mm, 48 * mm
    right_x = LEFT + left_w
    y = top
    y -= 8 * mm
    place = DEMO_PAYMENT_PLACE if view.demo else view.payment_place
    _box(c, LEFT, y, left_w, "Local de pagamento", place, bold=view.demo)
    _box(c, right_x, y, right_w, "Vencimento", _date(view.due_date), right=True, bold=True)
    y -= 11 * mm
    _tall_box(c, LEFT, y, left_w, "Beneficiário", _beneficiary(view), view.beneficiary_address)
    agency = "Agência/Código do Beneficiário"
    _box(c, right_x, y, right_w, agency, view.agency_account, h=11 * mm, right=True)
    y -= 8 * mm
    cells = [
        ("Data do Documento", _date(view.issue_date), 0.2),
        ("Nº do Documento", view.document_number, 0.26),
        ("Espécie Doc.", view.document_kind, 0.14),
        ("Aceite", "N", 0.1),
        ("Data Processamento", _date(view.processing_date or view.issue_date), 0.3),
    ]
    _cells(c, cells, y, left_w)
    _box(c, right_x, y, right_w, "Nosso Número", view.nosso_numero, right=True)
    y -= 8 * mm
    cells = [
        ("Uso do Banco", "", 0.2),
        ("Carteira", view.wallet, 0.16),
        ("Espécie", "R$", 0.14),
        ("Quantidade", "", 0.2),
        ("Valor", "", 0.3),
    ]
    _cells(c, cells, y, left_w)
    _box(c, right_x, y, right_w, "(=) Valor do Documento", money(view.amount), right=True, bold=1)
    return _instructions(c, view, y, left_w, right_x, right_w)


def _cells(c: Canvas, cells, y, width) -> None:
    x = LEFT
    for label, value, share in cells:
        _box(c, x, y, width * share, label, value)
        x += width * share


def _instructions(c: Canvas, view: BoletoView, y, left_w, right_x, right_w) -> float:
    """Instructions at the left, the deductions and additions column at the right, the payer."""
    for label in ("(-) Desconto / Abatimento", "(-) Outras deduções", "(+) Mora / Multa"):
        y -= 7 * mm
        _box(c, right_x, y, right_w, label, "", h=7 * mm)
    for label in ("(+) Outros acréscimos", "(=) Valor cobrado"):
        y -= 7 * mm
        _box(c, right_x, y, right_w, label, "", h=7 * mm)
    c.line(LEFT, y, LEFT, y + 35 * mm)
    c.setFont("Helvetica", 5.5)
    c.drawString(
        LEFT + 1 * mm, y + 32.7 * mm, "Instruções (texto de responsabilidade do beneficiário)"
    )
    c.setFont("Helvetica", 8)
    for n, line in enumerate(view.instructions[:8]):
        c.drawString(LEFT + 1 * mm, y + (28.5 - 3.6 * n) * mm, line[:110])
    c.line(LEFT, y, LEFT + WIDTH, y)
    c.setFont("Helvetica", 5.5)
    c.drawString(LEFT + 1 * mm, y - 2.3 * mm, "Pagador")
    c.setFont("Helvetica", 8.5)
    c.drawString(LEFT + 1 * mm, y - 5.5 * mm, f"{view.payer_name} - CPF/CNPJ {view.payer_document}")
    c.drawString(LEFT + 1 * mm, y - 9 * mm, view.payer_address[:110])
    c.setFont("Helvetica", 5.5)
    c.drawString(LEFT + 1 * mm, y - 13 * mm, "Sacador/Avalista")
    c.setFont("Helvetica", 8)
    c.drawString(LEFT + 18 * mm, y - 13 * mm, view.guarantor[:100])
    y -= 15 * mm
    c.line(LEFT, y, LEFT + WIDTH, y)
    c.line(LEFT, y, LEFT, y + 15 * mm)
    return y


def _demo_marks(c: Canvas, barcode_bottom) -> None:
    """The demonstration mark above the receipt and, large, under the barcode."""
    c.saveState()
    c.setFillColorRGB(0.75, 0, 0)
    c.setFont("Helvetica-Bold", 11)
    c.drawCentredString(LEFT + WIDTH / 2, 289 * mm, DEMO_PAYMENT_PLACE)
    c.setFillColorRGB(0.55, 0.55, 0.55)
    c.setFont("Helvetica-Bold", 30)
    c.drawCentredString(LEFT + WIDTH / 2, barcode_bottom - 18 * mm, DEMO_MARK)
    c.restoreState()


def render_boleto(view: BoletoView) -> bytes:
    """The boleto as a one-page A4 PDF."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(f"Boleto {view.document_number}")
    c.setLineWidth(0.4)
    _receipt(c, view, 280 * mm)
    c.setDash(2, 2)
    c.line(LEFT, 228 * mm, LEFT + WIDTH, 228 * mm)
    c.setDash()
    c.setFont("Helvetica", 6)
    c.drawRightString(LEFT + WIDTH, 229 * mm, "Corte na linha pontilhada")
    bottom = _slip(c, view, 214 * mm)
    # quiet=0: the page's blank margin around the bars is their quiet zone (FEBRABAN: >= 2.5 mm).
    bars = I2of5(view.barcode, barWidth=NARROW_BAR, ratio=3, barHeight=BAR_HEIGHT,
                 checksum=0, bearers=0, quiet=0)  # fmt: skip
    bars.drawOn(c, LEFT + 2 * mm, bottom - BAR_HEIGHT - 4 * mm)
    if view.demo:
        _demo_marks(c, bottom - BAR_HEIGHT - 4 * mm)
    c.setFont("Helvetica", 6)
    c.drawRightString(
        LEFT + WIDTH, bottom - 2.5 * mm, "Autenticação mecânica - Ficha de Compensação"
    )
    c.showPage()
    c.save()
    return buffer.getvalue()
