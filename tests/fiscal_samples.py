"""Test material for the NFCom: an A1 certificate (PKCS#12) from a test CA shaped like
ICP-Brasil's, sample invoices (a person, a company), and the independent check of a signature
with Debian's xmlsec1.

The certificates are made with cryptography (no files, no network); their validity is a fixed
window around December 2026, so tests pass `now` (VALID_AT) instead of reading the clock.
"""

import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    pkcs12,
)
from cryptography.x509.oid import NameOID

from models.fiscal.nfcom_documents import (
    Address,
    Bill,
    Contribution,
    Customer,
    IbsCbs,
    Icms,
    Issuer,
    Line,
    NFComData,
    Regime,
    Subscriber,
    TechnicalContact,
    Unit,
)
from tests.sefaz.certificates import e_cnpj

NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2027, 1, 1, tzinfo=UTC)
VALID_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
A1_PASSWORD = "senha-do-a1"
ISSUER_CNPJ = "11222333000181"
BRASILIA = timezone(timedelta(hours=-3))
XMLSEC1 = "/usr/bin/xmlsec1"
E_CNPJ_A1 = "RFB e-CNPJ A1"


@dataclass(frozen=True)
class TestA1:
    pkcs12: bytes
    password: str
    certificate_pem: bytes
    ca_pem: bytes


def _name(common_name: str, *units: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
            *(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit) for unit in units),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_a1(
    cnpj: str | None = ISSUER_CNPJ,
    name: str = "PROVEDOR TESTE LTDA",
    not_before: datetime = NOT_BEFORE,
    not_after: datetime = NOT_AFTER,
    password: str = A1_PASSWORD,
    use_rsa: bool = True,
    cnpj_value: bytes | None = None,
) -> TestA1:
    """An e-CNPJ-like A1 (subject "NAME:CNPJ", the CNPJ in otherName 2.16.76.1.3.3) signed by a
    test CA of its own (tests.sefaz.certificates.e_cnpj: the one factory)."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("AC TESTE PROVEDOR RFB", "Autoridade Certificadora de Teste")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = None if use_rsa else ec.generate_private_key(ec.SECP256R1())
    certificate, key = e_cnpj(ca_key, ca, cnpj, name, not_before, not_after, key, cnpj_value)
    return TestA1(
        pkcs12=pkcs12.serialize_key_and_certificates(
            b"a1", key, certificate, [ca], BestAvailableEncryption(password.encode())
        ),
        password=password,
        certificate_pem=certificate.public_bytes(Encoding.PEM),
        ca_pem=ca.public_bytes(Encoding.PEM),
    )


def xmlsec1_verify(
    xml: bytes, a1: TestA1, element: str = "infNFCom"
) -> subprocess.CompletedProcess:
    """Debian's xmlsec1 checks the signature with the certificate in KeyInfo, trusting the test
    CA alone, at VALID_AT (not today). `element` is the signed element whose Id the Reference
    names (xmlsec1 is told which attribute is an ID, as there is no DTD)."""
    with tempfile.TemporaryDirectory() as folder:
        document, ca = Path(folder, "document.xml"), Path(folder, "ca.pem")
        document.write_bytes(xml)
        ca.write_bytes(a1.ca_pem)
        return subprocess.run(
            [
                XMLSEC1,
                "--verify",
                "--trusted-pem",
                str(ca),
                "--verification-time",
                f"{VALID_AT:%Y-%m-%d %H:%M:%S}",
                "--id-attr:Id",
                f"http://www.portalfiscal.inf.br/nfcom:{element}",
                str(document),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )


def issuer_address() -> Address:
    return Address(
        street="Avenida Borges de Medeiros",
        number="1501",
        district="Praia de Belas",
        city_code="4314902",  # Porto Alegre
        city="Porto Alegre",
        cep="90119900",
        uf="RS",
        phone="5132101000",
        email="fiscal@provedor.test",
    )


def issuer(regime: Regime = Regime.NORMAL) -> Issuer:
    return Issuer(
        cnpj=ISSUER_CNPJ,
        ie="0960000018",
        regime=regime,
        name="Provedor Teste Ltda",
        trade_name="Provedor Teste",
        address=issuer_address(),
        key_secret=b"test secret for cNF",
    )


def taxed_line(code: str, description: str, price: str, **changes) -> Line:
    """A line with the taxes of a regime-normal ISP in RS (rates for the tests, not advice)."""
    values = {
        "code": code,
        "description": description,
        "classification": "0100401",
        "quantity": Decimal(1),
        "unit_price": Decimal(price),
        "cfop": "5307",
        "icms": Icms(cst="00", rate=Decimal("17")),
        "pis": Contribution("01", Decimal("0.65")),
        "cofins": Contribution("01", Decimal("3")),
        "fust_rate": Decimal("0.5"),
        "funttel_rate": Decimal("1"),
        "ibs_cbs": IbsCbs("000", "000001", Decimal("0.1"), Decimal(0), Decimal("0.9")),
    }
    values.update(changes)
    return Line(**values)


def person_invoice(number: int = 1, lines: tuple[Line, ...] | None = None) -> NFComData:
    """A residential subscriber (CPF, no IE) with an itemized bill of three lines."""
    return NFComData(
        issuer=issuer(),
        customer=Customer(
            name="Maria da Silva Souza",
            cpf="11144477735",
            address=Address(
                street="Rua Doutor Flores",
                number="262",
                complement="apto 501",
                district="Centro Histórico",
                city_code="4314902",
                city="Porto Alegre",
                cep="90020122",
                uf="RS",
            ),
        ),
        subscriber=Subscriber(
            code="CLI-000123",
            kind=3,
            contract="CT-2025-0042",
            contract_start=date(2025, 3, 10),
        ),
        lines=lines
        or (
            taxed_line("PLANO-300", "Internet fibra 300 Mega", "99.90"),
            taxed_line(
                "IP-FIXO",
                "IP fixo",
                "15.00",
                discount=Decimal("5.00"),
            ),
            taxed_line(
                "ROTEADOR",
                "Aluguel de roteador Wi-Fi 6",
                "7.333",
                quantity=Decimal(3),
                classification="0600401",
            ),
        ),
        bill=Bill(
            competence="202612",
            due_date=date(2026, 12, 10),
            barcode="23790001192110001210904475617405975870000012990",
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
            pix_code="00020101021226820014br.gov.bcb.pix2560pix.example.com/qr/v2/cobv/1234567890",
        ),
        environment=2,
        series=1,
        number=number,
        issued_at=datetime(2026, 12, 1, 9, 30, tzinfo=BRASILIA),
    )


def company_invoice(number: int = 2) -> NFComData:
    """A company subscriber (CNPJ and IE, an ICMS contributor) billed on one line."""
    return NFComData(
        issuer=issuer(),
        customer=Customer(
            name="Padaria Pão Quente Ltda",
            cnpj="04252011000110",
            ie="0240012345",
            address=Address(
                street="Avenida Ipiranga",
                number="6681",
                district="Partenon",
                city_code="4314902",
                city="Porto Alegre",
                cep="90619900",
                uf="RS",
                email="financeiro@padaria.test",
            ),
        ),
        subscriber=Subscriber(code="CLI-000777", kind=1, contract="CT-2024-0007"),
        lines=(
            taxed_line(
                "PLANO-EMP-500",
                "Link dedicado 500 Mega",
                "749.90",
                unit=Unit.GB,
                quantity=Decimal(1),
            ),
        ),
        bill=Bill(
            competence="202612",
            due_date=date(2026, 12, 15),
            barcode="34191090080000000000000000000000100000074990",
        ),
        environment=2,
        series=1,
        number=number,
        issued_at=datetime(2026, 12, 1, 10, 0, tzinfo=BRASILIA),
        additional_info=("Contrato CT-2024-0007, SLA 99,5%.",),
        technical_contact=TechnicalContact(
            cnpj=ISSUER_CNPJ, name="Equipe Fiscal", email="fiscal@provedor.test", phone="5132101000"
        ),
    )
