"""The SEFAZ adapter against the stand-in SVRS (tests/sefaz): what each answer means to a caller."""

import os
import socket
import tempfile
from datetime import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from models.fiscal.nfcom_documents import build_xml
from models.fiscal.sefaz_client import (
    HOMOLOGATION,
    PRODUCTION,
    URLS,
    Sefaz,
    SefazDivergence,
    SefazError,
    SefazUnavailable,
)
from models.fiscal.signing import Certificate, sign
from tests.fiscal_samples import ISSUER_CNPJ, person_invoice
from tests.sefaz import SvrsStandIn, documents
from tests.sefaz.checks import schema_errors
from tests.sefaz.registry import BRASILIA
from tests.waiting import wait_until

pytestmark = pytest.mark.one_backend

NFCOM_NS = "http://www.portalfiscal.inf.br/nfcom"
MARCH_20 = datetime(2025, 3, 20, 10, 0, tzinfo=BRASILIA)


@pytest.fixture
def svrs():
    with SvrsStandIn() as stand_in:
        stand_in.faults.slow_seconds = 1.5
        yield stand_in
        assert stand_in.violations == []


def a1_of(certificate_pem: str, key_pem: str) -> Certificate:
    return Certificate(
        key=serialization.load_pem_private_key(key_pem.encode(), password=None),
        certificate=x509.load_pem_x509_certificate(certificate_pem.encode()),
    )


def client_for(svrs, **changes) -> Sefaz:
    values = {
        "environment": HOMOLOGATION,
        "certificate": a1_of(svrs.certificate_pem, svrs.key_pem),
        "ca_pem": svrs.ca_pem,
        "urls": svrs.urls,
        "timeout": 5,
    }
    return Sefaz(**{**values, **changes})


@pytest.fixture
def sefaz(svrs):
    with client_for(svrs) as client:
        yield client


def signed_nfcom(svrs, number: int = 123) -> bytes:
    return documents.sign(documents.nfcom(number=number), svrs.certificate_pem, svrs.key_pem)


def signed_cancel(svrs, answer) -> bytes:
    event = documents.cancel_event(answer.access_key, answer.protocol, svrs.now())
    return documents.sign(event, svrs.certificate_pem, svrs.key_pem)


# --- authorization -----------------------------------------------------------------------
def test_an_authorized_nfcom_comes_back_with_its_protocol(svrs, sefaz):
    svrs.set_now(MARCH_20)
    document = signed_nfcom(svrs)

    answer = sefaz.authorize(document)

    assert answer.authorized
    assert (answer.status, answer.reason) == (100, "Autorizado o uso da NFCom")
    assert answer.access_key == "41250306117473000150620010000001231012345675"
    assert answer.protocol == svrs.authorization(answer.access_key).protocol
    assert answer.received_at == MARCH_20
    assert answer.digest == etree.fromstring(document).findtext(
        ".//{http://www.w3.org/2000/09/xmldsig#}DigestValue"
    )


def test_the_kept_protocol_makes_a_valid_nfcom_proc(svrs, sefaz):
    """NFCom + protNFCom is the file the customer and the fiscal archive get (procNFCom)."""
    document = signed_nfcom(svrs)
    answer = sefaz.authorize(document)

    proc = etree.Element(f"{{{NFCOM_NS}}}nfcomProc", versao="1.00", nsmap={None: NFCOM_NS})
    proc.append(etree.fromstring(document))
    proc.append(etree.fromstring(answer.protocol_xml))

    assert schema_errors("procNFCom_v1.00.xsd", proc) == []


def test_a_duplicate_keeps_the_first_protocol(svrs, sefaz):
    document = signed_nfcom(svrs)
    first = sefaz.authorize(document)
    svrs.advance(MARCH_20 - MARCH_20.replace(hour=9))  # an hour later, a retry sends it again

    again = sefaz.authorize(document)

    assert (again.status, again.authorized) == (204, False)
    assert again.protocol == first.protocol
    assert again.received_at == first.received_at
    assert again.protocol_xml == first.protocol_xml
    assert svrs.answered("NFComRecepcao") == [100, 204]
    assert svrs.answered("NFComConsulta") == [100]  # the protocol is the consult's, not xMotivo's


def test_a_duplicate_of_another_document_under_our_key_is_a_divergence(svrs, sefaz):
    """SEFAZ says 204, but what it authorized under the key is not what we sent now (another
    amount, same number and code): nothing to keep, finance must look."""
    first = sefaz.authorize(signed_nfcom(svrs))
    other = documents.nfcom()
    other.find(f".//{{{NFCOM_NS}}}xNome").text = "Outro Destinatario"
    other = documents.sign(other, svrs.certificate_pem, svrs.key_pem)

    with pytest.raises(SefazDivergence) as raised:
        sefaz.authorize(other)

    assert raised.value.access_key == first.access_key
    assert raised.value.authorized.protocol == first.protocol
    assert "já autorizou outro documento" in str(raised.value)
    assert svrs.answered("NFComRecepcao") == [100, 204]


def test_a_rejection_is_an_answer_with_its_reason(svrs, sefaz):
    tampered = signed_nfcom(svrs).replace(b"<vNF>111.54</vNF>", b"<vNF>1.54</vNF>")

    answer = sefaz.authorize(tampered)

    assert (answer.status, answer.reason) == (297, "Rejeição: Assinatura difere do calculado")
    assert not answer.authorized
    assert answer.protocol is None


# --- SEFAZ down --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["108", "109", "500", "timeout", "drop"])
def test_sefaz_down_is_unavailable(svrs, kind):
    svrs.fail_next("NFComRecepcao", kind)
    with client_for(svrs, timeout=0.5) as sefaz, pytest.raises(SefazUnavailable):
        sefaz.authorize(signed_nfcom(svrs))


@pytest.mark.parametrize("kind", ["timeout", "drop"])
def test_after_a_lost_answer_consult_finds_the_authorization(svrs, kind):
    """A worker that never heard back must not send a second time: the key tells."""
    document = signed_nfcom(svrs)
    svrs.fail_next("NFComRecepcao", kind)
    with client_for(svrs, timeout=0.5) as sefaz:
        with pytest.raises(SefazUnavailable):
            sefaz.authorize(document)
        assert wait_until(lambda: svrs.answered("NFComRecepcao") == [100], timeout=5)

        found = sefaz.consult(documents.key_of(etree.fromstring(document)))

    assert found.authorized
    assert found.protocol == svrs.authorization(found.access_key).protocol
    assert etree.fromstring(found.protocol_xml).tag == f"{{{NFCOM_NS}}}protNFCom"


def test_a_refused_connection_is_unavailable(svrs):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    urls = {"NFComStatusServico": f"https://127.0.0.1:{port}/WS/NFComStatusServico.asmx"}
    with client_for(svrs, urls=urls) as sefaz, pytest.raises(SefazUnavailable, match="connection"):
        sefaz.status()


def test_a_server_not_signed_by_the_trusted_ca_is_a_configuration_error(svrs):
    """The system's CAs do not know the stand-in's: the CA configured is wrong, waiting for
    SEFAZ to come back would not fix it."""
    with client_for(svrs, ca_pem=None) as sefaz, pytest.raises(SefazError) as raised:
        sefaz.status()

    assert not isinstance(raised.value, SefazUnavailable)
    assert "certificate is not trusted" in str(raised.value)


def test_status_tells_in_operation_or_paralysed(svrs, sefaz):
    assert (sefaz.status().status, sefaz.status().reason) == (107, "Serviço em Operação")

    svrs.paralyse(109)

    assert (sefaz.status().status, sefaz.status().reason) == (
        109,
        "Serviço Paralisado sem Previsão",
    )
    with pytest.raises(SefazUnavailable, match="109"):
        sefaz.authorize(signed_nfcom(svrs))
    svrs.resume()
    assert sefaz.authorize(signed_nfcom(svrs)).authorized


# --- consultation ------------------------------------------------------------------------
def test_consult_of_an_unknown_key_is_217(svrs, sefaz):
    key = documents.key_of(documents.nfcom(number=999))

    answer = sefaz.consult(key)

    assert (answer.status, answer.reason) == (
        217,
        "Rejeição: NFCom não consta na base de dados da SEFAZ",
    )
    assert answer.protocol_xml is None


# --- cancellation (MOC Visão Geral 6.1.1 L11: until 120 hours into the next month) ---------
@pytest.mark.parametrize(
    ("authorized_at", "cancelled_at"),
    [
        (MARCH_20, datetime(2025, 3, 20, 10, 30, tzinfo=BRASILIA)),
        (datetime(2025, 3, 2, 8, tzinfo=BRASILIA), datetime(2025, 3, 30, 8, tzinfo=BRASILIA)),
        (MARCH_20, datetime(2025, 4, 5, 23, 59, tzinfo=BRASILIA)),
    ],
)
def test_a_cancel_within_the_deadline_is_registered(svrs, sefaz, authorized_at, cancelled_at):
    svrs.set_now(authorized_at)
    authorized = sefaz.authorize(signed_nfcom(svrs))
    svrs.set_now(cancelled_at)

    answer = sefaz.send_event(signed_cancel(svrs, authorized))

    assert (answer.status, answer.reason) == (135, "Evento registrado e vinculado a NFCom")
    assert answer.received_at == cancelled_at
    assert answer.protocol != authorized.protocol
    assert schema_errors("retEventoNFCom_v1.00.xsd", etree.fromstring(answer.protocol_xml)) == []
    assert sefaz.consult(authorized.access_key).status == 101


def test_a_cancel_after_the_deadline_is_220(svrs, sefaz):
    svrs.set_now(MARCH_20)
    authorized = sefaz.authorize(signed_nfcom(svrs))
    svrs.set_now(datetime(2025, 4, 6, 0, 10, tzinfo=BRASILIA))  # 120 h into April, and 10 min

    answer = sefaz.send_event(signed_cancel(svrs, authorized))

    assert answer.status == 220
    assert answer.reason.startswith("Rejeição: Vedado cancelamento de NFCom")
    assert answer.protocol is None
    assert sefaz.consult(authorized.access_key).status == 100


# --- the client itself --------------------------------------------------------------------
def test_the_published_addresses_per_environment():
    """SVRS's WSDLs (nfephp-org/sped-nfcom examples/docs/wsdl) and sped-nfcom's list."""
    assert URLS[PRODUCTION]["NFComRecepcao"] == (
        "https://nfcom.svrs.rs.gov.br/WS/NFComRecepcao/NFComRecepcao.asmx"
    )
    assert URLS[HOMOLOGATION]["NFComConsulta"] == (
        "https://nfcom-homologacao.svrs.rs.gov.br/WS/NFComConsulta/NFComConsulta.asmx"
    )
    assert URLS[HOMOLOGATION]["NFComRecepcaoEvento"] == (
        "https://nfcom-homologacao.svrs.rs.gov.br/WS/NFComRecepcaoEvento/NFComRecepcaoEvento.asmx"
    )


def test_an_unknown_environment_is_refused(svrs):
    with pytest.raises(ValueError, match="environment"):
        client_for(svrs, environment="teste")


def test_no_private_key_stays_on_disk(svrs, tmp_path, monkeypatch):
    """The key is on disk only while ssl loads it: a worker killed later leaves nothing."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    with client_for(svrs) as sefaz:
        assert os.listdir(tmp_path) == []
        assert sefaz.status().status == 107


def test_the_environment_neither_proxies_nor_replaces_the_ca(svrs, monkeypatch, tmp_path):
    """HTTPS_PROXY and REQUESTS_CA_BUNDLE of the worker's environment are not SEFAZ's."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    bundle = tmp_path / "other.pem"
    bundle.write_text(SvrsStandIn.__name__)  # not a CA: loading it would fail
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))

    with client_for(svrs) as sefaz:
        assert sefaz.status().status == 107


def test_a_sender_fault_is_an_error_even_as_http_500(svrs):
    """A URL pointing at another service: SVRS refuses the message itself (SOAP Sender fault,
    HTTP 500 as .asmx sends it); sending it again would be refused again."""
    urls = {**svrs.urls, "NFComConsulta": svrs.urls["NFComStatusServico"]}
    with client_for(svrs, urls=urls) as sefaz, pytest.raises(SefazError) as raised:
        sefaz.consult(documents.key_of(documents.nfcom()))

    assert not isinstance(raised.value, SefazUnavailable)
    assert "SOAP fault Sender (HTTP 500)" in str(raised.value)
    svrs.violations.clear()  # the stand-in recorded the wrong envelope, as it should


def test_a_receiver_fault_is_unavailable(svrs, sefaz):
    svrs.fail_next("NFComStatusServico", "500")

    with pytest.raises(SefazUnavailable, match="SOAP fault Receiver"):
        sefaz.status()


# --- end to end: the product's document, signed by the product, authorized -----------------
def test_an_invoice_built_and_signed_here_is_authorized():
    with SvrsStandIn(cnpj=ISSUER_CNPJ) as svrs:
        a1 = a1_of(svrs.certificate_pem, svrs.key_pem)
        document = sign(build_xml(person_invoice(number=42)), a1)
        with client_for(svrs, certificate=a1) as sefaz:
            answer = sefaz.authorize(document)

        assert (answer.status, answer.reason) == (100, "Autorizado o uso da NFCom")
        assert answer.protocol == svrs.authorization(answer.access_key).protocol
        assert svrs.violations == []
