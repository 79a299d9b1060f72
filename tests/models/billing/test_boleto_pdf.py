"""The boleto PDF read back by real readers: poppler renders it, zbar reads the barcodes."""

import io
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boleto_pdf import DEMO_MARK, BoletoView, money, render_boleto
from models.billing.pix import pix_copia_e_cola

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

ACCOUNT = BankAccount(bank="001", agency="1234", account="123456", agreement="1234567", wallet="17")


def _view(
    amount="129.90", sequence=42, pix=True, bank="001", account=ACCOUNT, key="12345678000195"
) -> BoletoView:
    amount = Decimal(amount)
    layout = bank_for(bank)
    codes = layout.codes(account, sequence, date(2026, 3, 10), amount)
    code = pix_copia_e_cola(
        "12345678000195", "Provedor Exemplo", "Recife", amount, f"REC{sequence}"
    )
    return BoletoView(
        bank_code=bank,
        bank_name=layout.name,
        beneficiary_name="Provedor Exemplo Ltda",
        beneficiary_document="12.345.678/0001-95",
        agency_account=layout.agency_account(account),
        payer_name="Maria da Conceição",
        payer_document="529.982.247-25",
        payer_address="Rua das Flores, 100, Centro, Recife - PE, 50010-000",
        document_number=str(sequence),
        nosso_numero=codes.nosso_numero_printed,
        due_date=date(2026, 3, 10),
        amount=amount,
        issue_date=date(2026, 2, 20),
        barcode=codes.barcode,
        linha_digitavel=codes.linha_formatted,
        wallet=account.wallet,
        instructions=("Após o vencimento, multa de 2% e juros de 1% ao mês.",),
        pix_code=code if pix else None,
        beneficiary_address=ADDRESS,
    )


ADDRESS = "Av. Conde da Boa Vista, 1500, sala 801, Boa Vista, Recife - PE, 50060-004"


def _text(view: BoletoView) -> str:
    return pypdf.PdfReader(io.BytesIO(render_boleto(view))).pages[0].extract_text()


def _read_codes(pdf: bytes, tmp_path) -> dict[str, set[str]]:
    """Render at 300 dpi with pdftoppm and read every symbol with zbarimg, by symbology."""
    (tmp_path / "boleto.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", "boleto.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        ["zbarimg", "-q", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        kind, _, data = line.partition(":")
        found.setdefault(kind, set()).add(data)
    return found


@pytest.mark.parametrize(("amount", "sequence"), [("129.90", 42), ("1234.56", 9999999999)])
def test_the_barcode_and_the_qr_code_read_back(tmp_path, amount, sequence):
    view = _view(amount, sequence)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    assert found.get("QR-Code") == {view.pix_code}


def test_a_long_pix_key_makes_a_bigger_qr_code_that_still_reads_back(tmp_path):
    key = "cobranca.financeiro.departamento@provedor-exemplo-de-internet.com.br"
    view = _view("99999999.99", 123, key=key)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("QR-Code") == {view.pix_code}
    assert found.get("I2/5") == {view.barcode}


def test_another_bank_reads_back_too(tmp_path):
    account = BankAccount("237", "1172", "0403005", "", "09")
    view = _view("59.90", 75896452, bank="237", account=account)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    assert view.bank_name in pypdf.PdfReader(tmp_path / "boleto.pdf").pages[0].extract_text()


def test_a_boleto_without_pix_has_no_qr_code(tmp_path):
    view = _view(pix=False)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found == {"I2/5": {view.barcode}}


def test_the_text_has_the_usual_fields_in_portuguese(tmp_path):
    view = _view("1234.56")
    (tmp_path / "b.pdf").write_bytes(render_boleto(view))
    text = pypdf.PdfReader(tmp_path / "b.pdf").pages[0].extract_text()
    for label in (
        "Recibo do Pagador",
        "Ficha de Compensação",
        "Local de pagamento",
        "Vencimento",
        "Beneficiário",
        "Agência/Código do Beneficiário",
        "Nosso Número",
        "Valor do Documento",
        "Pagador",
        "PIX copia e cola",
        "001-9",
    ):
        assert label in text
    assert view.linha_digitavel in text
    assert "R$ 1.234,56" in text
    assert "10/03/2026" in text
    assert "Maria da Conceição" in text
    assert view.nosso_numero in text


@pytest.mark.parametrize(
    ("amount", "text"),
    [("0.5", "R$ 0,50"), ("129.9", "R$ 129,90"), ("1234567.89", "R$ 1.234.567,89")],
)
def test_money_is_written_the_brazilian_way(amount, text):
    assert money(Decimal(amount)) == text


def test_the_same_view_renders_the_same_bytes():
    view = _view()
    assert render_boleto(view) == render_boleto(replace(view))


def test_both_parts_name_the_beneficiary_with_cnpj_and_address():
    text = _text(_view())
    # Lei 12.039/2009: name, CNPJ and address, on the receipt and on the Ficha de Compensação.
    assert text.count("Provedor Exemplo Ltda - CNPJ 12.345.678/0001-95") == 2
    assert text.count(ADDRESS) == 2


def test_the_ficha_has_the_sacador_avalista_box():
    assert "Sacador/Avalista" in _text(_view())
    guarantor = "Financeira Exemplo S.A. - CNPJ 11.222.333/0001-81"
    assert f"Sacador/Avalista\n{guarantor}" in _text(replace(_view(), guarantor=guarantor))


def test_bradesco_prints_agency_and_account_with_check_digits_on_both_parts():
    account = BankAccount("237", "4042", "61900", "", "09")  # brcobranca bradesco_spec.rb
    text = _text(_view(bank="237", account=account))
    assert text.count("4042-8 / 0061900-0") == 2


def test_a_demo_boleto_is_marked_and_its_codes_still_read_back(tmp_path):
    view = replace(_view(), demo=True)
    text = _text(view)
    assert text.count(DEMO_MARK) >= 3  # above the receipt, the payment place, under the bars
    assert "não pague" in text
    assert "Pagável em qualquer banco" not in text
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    assert found.get("QR-Code") == {view.pix_code}


def test_a_boleto_on_a_real_account_has_no_demo_mark():
    text = _text(_view())
    assert DEMO_MARK not in text and "DEMONSTRAÇÃO" not in text
    assert "Pagável em qualquer banco até o vencimento" in text
