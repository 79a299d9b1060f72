"""The cancellation event: its layout (XSD, Id width) and the stand-in SVRS registering it."""

from datetime import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from models.errors import Invalid
from models.fiscal import schemas
from models.fiscal.events import cancellation
from models.fiscal.nfcom_documents import build_xml
from models.fiscal.sefaz_client import HOMOLOGATION, Sefaz
from models.fiscal.signing import Certificate, sign
from tests.fiscal_samples import BRASILIA, ISSUER_CNPJ, person_invoice
from tests.sefaz import SvrsStandIn

pytestmark = pytest.mark.one_backend

NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}
KEY = "43261211222333000181620010000000421000123458"
PROTOCOL = "3432600000000042"
AT = datetime(2026, 12, 2, 10, 0, tzinfo=BRASILIA)
REASON = "Fatura emitida em duplicidade para o cliente"


def test_the_event_has_the_mocs_layout_and_the_schema_accepts_it(certificate):
    xml = cancellation(KEY, PROTOCOL, REASON, AT, environment=2)

    information = etree.fromstring(xml).find("n:infEvento", NS)
    assert information.get("Id") == f"ID110111{KEY}001"
    assert len(information.get("Id")) == 55  # MOC Visão Geral 5.1, FP04
    assert [
        information.findtext(f"n:{name}", namespaces=NS)
        for name in ("cOrgao", "tpAmb", "CNPJ", "dhEvento", "tpEvento", "nSeqEvento")
    ] == ["43", "2", KEY[6:20], "2026-12-02T10:00:00-03:00", "110111", "1"]
    assert schemas.validate_event(sign(xml, certificate, "infEvento")) == []


@pytest.mark.parametrize(
    ("justification", "kept"),
    [
        ("  Cliente  pediu\no cancelamento  ", "Cliente pediu o cancelamento"),
        ("x" * 255, "x" * 255),
    ],
)
def test_the_justification_is_written_as_tstring_allows(justification, kept):
    xml = cancellation(KEY, PROTOCOL, justification, AT, environment=2)

    assert etree.fromstring(xml).findtext(".//n:xJust", namespaces=NS) == kept


@pytest.mark.parametrize(
    ("justification", "protocol", "message"),
    [
        ("Duplicada", PROTOCOL, "de 15 a 255 caracteres"),
        ("  curta   demais ", PROTOCOL, "de 15 a 255 caracteres"),  # 13 once tidied
        ("x" * 256, PROTOCOL, "de 15 a 255 caracteres"),
        ("Cobrança duplicada — cliente avisado", PROTOCOL, "caracteres que a SEFAZ não aceita"),
        (REASON, "123", "16 dígitos"),
    ],
)
def test_what_sefaz_would_refuse_is_refused_in_portuguese(justification, protocol, message):
    with pytest.raises(Invalid, match=message):
        cancellation(KEY, protocol, justification, AT, environment=2)


def test_the_stand_in_registers_a_cancellation_built_and_signed_here():
    with SvrsStandIn(cnpj=ISSUER_CNPJ) as svrs:
        a1 = Certificate(
            key=serialization.load_pem_private_key(svrs.key_pem.encode(), password=None),
            certificate=x509.load_pem_x509_certificate(svrs.certificate_pem.encode()),
        )
        svrs.set_now(datetime(2026, 12, 1, 9, 35, tzinfo=BRASILIA))
        with Sefaz(HOMOLOGATION, a1, svrs.ca_pem, svrs.urls, timeout=5) as sefaz:
            authorized = sefaz.authorize(sign(build_xml(person_invoice(number=42)), a1))
            svrs.set_now(datetime(2026, 12, 2, 10, 0, tzinfo=BRASILIA))
            event = cancellation(authorized.access_key, authorized.protocol, REASON, svrs.now(), 2)

            answer = sefaz.send_event(sign(event, a1, "infEvento"))

            assert (answer.status, answer.reason) == (135, "Evento registrado e vinculado a NFCom")
            assert sefaz.consult(authorized.access_key).status == 101
        assert svrs.violations == []
