"""The DANFE-COM of real NFComs authorized by the stand-in SVRS, read back as a customer would:
poppler renders it, zbar reads the QR code, pypdf reads the text."""

import io
import subprocess
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pypdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from models.fiscal import danfe, nfcom_proc
from models.fiscal.nfcom_documents import Contingency, access_key, build_xml
from models.fiscal.sefaz_client import HOMOLOGATION, Sefaz
from models.fiscal.signing import Certificate, sign, sign_access_key
from tests.fiscal_samples import (
    BRASILIA,
    ISSUER_CNPJ,
    company_invoice,
    person_invoice,
    taxed_line,
    xmlsec1_verify,
)
from tests.sefaz import SvrsStandIn

pytestmark = pytest.mark.one_backend

NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}
SINCE = datetime(2026, 12, 1, 9, 0, tzinfo=BRASILIA)


@pytest.fixture(scope="module")
def svrs():
    with SvrsStandIn(cnpj=ISSUER_CNPJ) as stand_in:
        yield stand_in
        assert stand_in.violations == []


@pytest.fixture(scope="module")
def a1(svrs) -> Certificate:
    return Certificate(
        key=serialization.load_pem_private_key(svrs.key_pem.encode(), password=None),
        certificate=x509.load_pem_x509_certificate(svrs.certificate_pem.encode()),
    )


@pytest.fixture(scope="module")
def sefaz(svrs, a1):
    with Sefaz(HOMOLOGATION, a1, svrs.ca_pem, svrs.urls, timeout=10) as client:
        yield client


def signed(data, a1: Certificate) -> bytes:
    """The NFCom signed; in contingency its QR code carries the key's signature."""
    qr_signature = sign_access_key(str(access_key(data)), a1) if data.contingency else None
    return sign(build_xml(data, qr_signature), a1)


def authorized(data, a1: Certificate, sefaz: Sefaz) -> bytes:
    """The nfcomProc of `data` as SVRS authorized it."""
    document = signed(data, a1)
    answer = sefaz.authorize(document)
    assert answer.authorized, answer.reason
    return nfcom_proc.wrap(document, answer.protocol_xml)


def in_contingency(data):
    return replace(data, contingency=Contingency(SINCE, "SEFAZ fora do ar desde as nove horas"))


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def read_qr(pdf: bytes, folder) -> list[str]:
    """Render at 200 dpi with pdftoppm and read the QR codes with zbarimg."""
    (folder / "danfe.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", "danfe.pdf", "p"],
        cwd=folder,
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(folder / "p.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.splitlines()


def qr_text(xml: bytes) -> str:
    return etree.fromstring(xml).findtext(".//n:infNFComSupl/n:qrCodNFCom", namespaces=NS)


@pytest.mark.parametrize("contingency", [False, True], ids=["normal", "contingency"])
def test_zbar_reads_the_xml_qr_code_exactly(tmp_path, a1, sefaz, contingency):
    data = person_invoice(number=11 + contingency)
    proc = authorized(in_contingency(data) if contingency else data, a1, sefaz)

    assert read_qr(danfe.render(proc), tmp_path) == [qr_text(proc)]
    assert ("&sign=" in qr_text(proc)) is contingency


def test_the_text_has_what_the_customer_checks(a1, sefaz):
    proc = authorized(person_invoice(number=21), a1, sefaz)
    root = etree.fromstring(proc)
    key = root.find(".//n:infNFCom", NS).get("Id").removeprefix("NFCom")
    protocol = root.findtext(".//n:infProt/n:nProt", namespaces=NS)

    (text,) = text_of(danfe.render(proc))

    assert " ".join(key[i : i + 4] for i in range(0, 44, 4)) in text
    assert "Nº 21" in text and "Série 1" in text
    assert f"{protocol} - " in text
    assert "CPF 111.444.777-35" in text
    assert "Emissão 01/12/2026 09:30:00" in text
    for line in root.iterfind(".//n:det/n:prod", NS):
        assert line.findtext("n:xProd", namespaces=NS) in text
    assert "99,90" in text and "10,00" in text and "22,00" in text  # the items' vProd
    assert "R$ 131,90" in text  # vNF
    assert "Vencimento".upper() in text and "10/12/2026" in text
    assert "12/2026" in text and "CLI-000123" in text and "CT-2025-0042" in text
    assert danfe.UNAUTHORIZED not in text


def test_a_company_prints_its_cnpj_ie_and_the_additional_information(a1, sefaz):
    (text,) = text_of(danfe.render(authorized(company_invoice(number=22), a1, sefaz)))

    assert "CNPJ 04.252.011/0001-10" in text and "IE 0240012345" in text
    assert "Contrato CT-2024-0007, SLA 99,5%." in text
    assert "R$ 749,90" in text


def test_homologation_says_it_has_no_fiscal_value(a1, sefaz):
    (text,) = text_of(danfe.render(authorized(person_invoice(number=23), a1, sefaz)))

    assert danfe.HOMOLOGATION in text


def test_production_has_no_homologation_mark(a1):
    xml = signed(replace(person_invoice(number=24), environment=1), a1)

    (text,) = text_of(danfe.render(xml))

    assert danfe.HOMOLOGATION not in text
    assert danfe.UNAUTHORIZED in text


def test_an_unauthorized_nfcom_says_so_instead_of_a_protocol(a1):
    (text,) = text_of(danfe.render(signed(person_invoice(number=25), a1)))

    assert danfe.UNAUTHORIZED in text


def test_a_contingency_invoice_says_so(a1, sefaz):
    data = in_contingency(person_invoice(number=26))

    (authorized_text,) = text_of(danfe.render(authorized(data, a1, sefaz)))
    (pending_text,) = text_of(danfe.render(signed(data, a1)))

    assert f"{danfe.CONTINGENCY} desde 01/12/2026 09:00:00" in authorized_text
    assert danfe.PENDING not in authorized_text
    # Printed before the protocol: contingency's DANFE-COM, not a document without value.
    assert danfe.PENDING in pending_text and danfe.UNAUTHORIZED not in pending_text


def test_sixty_items_continue_on_more_pages_each_once(a1, sefaz):
    lines = tuple(taxed_line(f"P{n}", f"Serviço número {n:03d} Z", "1.00") for n in range(60))
    proc = authorized(person_invoice(number=27, lines=lines), a1, sefaz)

    pages = text_of(danfe.render(proc))

    assert len(pages) > 1
    everything = "\n".join(pages)
    for n in range(60):
        assert everything.count(f"Serviço número {n:03d} Z") == 1
    assert all(f"Folha {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert all(danfe.HOMOLOGATION in page for page in pages)
    assert "R$ 60,00" in pages[-1] and "VALOR TOTAL DA NFCOM" not in pages[0]


def text_runs(pdf: bytes) -> list[tuple[int, float, float, float, str]]:
    """(page, left, right, baseline, text) of every string drawn (reportlab's Tm per string)."""
    runs = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, font, size, number=number):
            text = text.strip()
            if text and font:
                x, y = tm[4] + cm[4], tm[5] + cm[5]
                name = font["/BaseFont"].lstrip("/")
                runs.append((number, x, x + stringWidth(text, name, size), y, text))

        page.extract_text(visitor_text=visit)
    return runs


def test_long_texts_are_shortened_not_drawn_over_others(a1, sefaz):
    data = person_invoice(number=28)
    customer = replace(
        data.customer, name="WANDERLEY WAGNER MENDONÇA WERNECK WOLFF WALLACE DE ALBUQUERQUE"[:60]
    )
    description = ("Internet fibra óptica ultra veloz WWW " * 4)[:120].strip()
    long_line = taxed_line("LONGO", description, "10.00", discount=Decimal("1.00"))
    proc = authorized(replace(data, customer=customer, lines=(long_line,)), a1, sefaz)

    pdf = danfe.render(proc)
    (text,) = text_of(pdf)

    assert customer.name not in text and "WANDERLEY WAGNER" in text
    assert "Internet fibra óptica ultra veloz" in text and description not in text
    runs = text_runs(pdf)
    assert any(run[4].endswith("…") for run in runs)
    assert all(left >= 0 and right <= A4[0] - 10 for _, left, right, _, _ in runs)
    for first in runs:
        for second in runs:
            if first is not second and first[0] == second[0] and abs(first[3] - second[3]) < 4:
                assert first[2] <= second[1] or second[2] <= first[1], (first, second)


def test_the_proc_is_valid_and_keeps_the_signature(svrs, a1, sefaz):
    proc = authorized(person_invoice(number=29), a1, sefaz)

    verified = xmlsec1_verify(proc, type("A1", (), {"ca_pem": svrs.ca_pem.encode()}))

    assert verified.returncode == 0, verified.stderr


def test_a_rejection_or_another_keys_protocol_makes_no_proc(a1, sefaz):
    first, second = signed(person_invoice(number=30), a1), signed(person_invoice(number=31), a1)
    protocol = sefaz.authorize(first).protocol_xml

    with pytest.raises(nfcom_proc.InvalidProc, match="não é o da NFCom"):
        nfcom_proc.wrap(second, protocol)
    without = etree.fromstring(protocol)
    without.find(".//n:nProt", NS).getparent().remove(without.find(".//n:nProt", NS))
    with pytest.raises(nfcom_proc.InvalidProc, match="sem nProt"):
        nfcom_proc.wrap(first, etree.tostring(without))
