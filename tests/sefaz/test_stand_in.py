"""The stand-in SVRS itself: as strict as SVRS, or tests against it prove nothing.

Requests here are built by hand (not by the adapter) to send what the adapter never would.
"""

import base64
import gzip
import hashlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import trustme
from cryptography import x509
from lxml import etree

from tests.sefaz import SvrsStandIn, documents
from tests.sefaz.certificates import issue_a1
from tests.sefaz.checks import (
    VERIFIERS,
    check_digit,
    composed_key,
    in_process_verifies,
    schema_errors,
    signature_problem,
    xmlsec1_verifies,
)
from tests.sefaz.registry import BRASILIA
from tests.sefaz.server import cancel_deadline

pytestmark = pytest.mark.one_backend

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSDL = "http://www.portalfiscal.inf.br/nfcom/wsdl/"
ACTIONS = {
    "NFComRecepcao": "nfcomRecepcao",
    "NFComConsulta": "nfcomConsultaNF",
    "NFComStatusServico": "nfcomStatusServicoNF",
    "NFComRecepcaoEvento": "nfcomRecepcaoEvento",
}
NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}


def pem_file(text: str) -> str:
    """requests takes certificates from files: one per PEM, named by its hash, reused."""
    path = Path(tempfile.gettempdir()) / f"svrs-{hashlib.sha256(text.encode()).hexdigest()}.pem"
    if not path.exists():
        path.write_text(text)
        path.chmod(0o600)
    return str(path)


def packed(document: bytes) -> str:
    return base64.b64encode(gzip.compress(document)).decode()


def post(svrs, service, data, cert="svrs", headers=None, envelope=None):
    """One SOAP 1.2 call made by hand; the parsed answer inside nfcomResultMsg (or the raw
    response when it is not a 200)."""
    message = f'<nfcomDadosMsg xmlns="{WSDL}{service}">{data}</nfcomDadosMsg>'
    body = envelope or (
        f'<?xml version="1.0" encoding="utf-8"?><soap12:Envelope xmlns:soap12="{SOAP12}">'
        f"<soap12:Body>{message}</soap12:Body></soap12:Envelope>"
    )
    action = f"{WSDL}{service}/{ACTIONS[service]}"
    if cert == "svrs":
        cert = pem_file(svrs.certificate_pem + svrs.key_pem)
    response = requests.post(
        svrs.urls[service],
        data=body.encode(),
        headers=headers
        or {"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'},
        cert=cert,
        verify=pem_file(svrs.ca_pem),
        timeout=10,
    )
    if response.status_code != 200:
        return response
    result = etree.fromstring(response.content).find(
        f"{{{SOAP12}}}Body/{{{WSDL}{service}}}nfcomResultMsg"
    )
    return result[0]


def send_nfcom(svrs, document: bytes):
    return post(svrs, "NFComRecepcao", packed(document))


def signed(svrs, root, cnpj=None) -> bytes:
    certificate, key = svrs.a1_for(cnpj) if cnpj else (svrs.certificate_pem, svrs.key_pem)
    return documents.sign(root, certificate, key).split(b"?>", 1)[1].lstrip()


def status_of(answer) -> tuple[str, str]:
    return answer.findtext("n:cStat", namespaces=NS), answer.findtext("n:xMotivo", namespaces=NS)


# --- mutual TLS -------------------------------------------------------------------------
def test_a_client_without_a_certificate_is_refused(svrs):
    with pytest.raises(requests.exceptions.SSLError):
        post(svrs, "NFComStatusServico", "", cert=None)
    assert svrs.received == []


def test_a_client_certificate_from_another_ca_is_refused(svrs):
    stranger = trustme.CA().issue_cert("provedor").private_key_and_cert_chain_pem.bytes().decode()
    with pytest.raises(requests.exceptions.SSLError):
        post(svrs, "NFComStatusServico", "", cert=pem_file(stranger))
    assert svrs.received == []


# --- the envelope ------------------------------------------------------------------------
def test_the_published_sample_signed_is_authorized(svrs):
    answer = send_nfcom(svrs, signed(svrs, documents.nfcom()))

    assert status_of(answer) == ("100", "Autorizado o uso da NFCom")
    information = answer.find("n:protNFCom/n:infProt", NS)
    assert information.findtext("n:chNFCom", namespaces=NS) == (
        "41250306117473000150620010000001231012345675"  # the sample's own key, unchanged
    )
    assert len(information.findtext("n:nProt", namespaces=NS)) == 16
    assert svrs.violations == []


def send_nfcom_raw(svrs, headers, envelope):
    return post(svrs, "NFComRecepcao", packed(b"<x/>"), headers=headers, envelope=envelope)


@pytest.mark.parametrize(
    ("headers", "envelope", "complaint"),
    [
        ({"Content-Type": "text/xml; charset=utf-8"}, None, "not SOAP 1.2"),
        ({"Content-Type": "application/soap+xml; charset=utf-8"}, None, "lacks action"),
        (
            None,
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/>'
            "</soap:Envelope>",
            "not a SOAP 1.2 envelope",
        ),
        (
            None,
            f'<s:Envelope xmlns:s="{SOAP12}"><s:Header/><s:Body>'
            f'<nfcomDadosMsg xmlns="{WSDL}NFComRecepcao">x</nfcomDadosMsg></s:Body></s:Envelope>',
            "no Header",
        ),
        (
            None,
            f'<s:Envelope xmlns:s="{SOAP12}"><s:Body>'
            f'<nfcomDadosMsg xmlns="{WSDL}NFComConsulta">x</nfcomDadosMsg></s:Body></s:Envelope>',
            "must hold one",
        ),
    ],
)
def test_a_wrong_envelope_gets_a_soap_fault(svrs, headers, envelope, complaint):
    response = send_nfcom_raw(svrs, headers, envelope)

    assert response.status_code == 500  # ASP.NET .asmx sends a Sender fault as 500
    fault = etree.fromstring(response.content)
    assert (
        fault.find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault/{{{SOAP12}}}Code/{{{SOAP12}}}Value").text
        == "soap:Sender"
    )
    assert complaint in svrs.violations[0]


# --- the data area -----------------------------------------------------------------------
def test_a_message_that_is_not_gzip_is_244(svrs):
    answer = post(svrs, "NFComRecepcao", base64.b64encode(b"<NFCom/>").decode())
    assert status_of(answer) == ("244", "Rejeição: Falha na descompactação da área de dados")


def test_a_document_out_of_the_schema_is_215(svrs):
    root = documents.nfcom()
    emitter = root.find("n:infNFCom/n:emit", NS)
    emitter.remove(emitter.find("n:xNome", NS))

    status, reason = status_of(send_nfcom(svrs, signed(svrs, root)))

    assert status == "215"
    assert reason.startswith("Rejeição: Falha no schema XML")
    assert "Expected is ( {http://www.portalfiscal.inf.br/nfcom}xNome )" in reason
    assert svrs.authorization(documents.key_of(root)) is None


def test_an_indented_document_is_599(svrs):
    document = etree.tostring(etree.fromstring(signed(svrs, documents.nfcom())), pretty_print=True)
    assert status_of(send_nfcom(svrs, document))[0] == "599"


def test_a_prefixed_namespace_is_404(svrs):
    document = signed(svrs, documents.nfcom()).replace(b"<NFCom xmlns=", b"<n:NFCom xmlns:n=", 1)
    document = document.replace(b"</NFCom>", b"</n:NFCom>")
    assert status_of(send_nfcom(svrs, document))[0] == "404"


# --- the signature -----------------------------------------------------------------------
def test_a_document_changed_after_signing_is_297(svrs):
    document = signed(svrs, documents.nfcom()).replace(b"<vNF>111.54</vNF>", b"<vNF>11.54</vNF>")

    assert status_of(send_nfcom(svrs, document)) == (
        "297",
        "Rejeição: Assinatura difere do calculado",
    )


def test_a_reference_to_another_id_is_298(svrs):
    """The Reference must point at this infNFCom (E01); the schema only checks its form."""
    root = documents.nfcom()
    document = signed(svrs, root)
    key = documents.key_of(root)
    other = key[:25] + "000000999" + key[34:]
    document = document.replace(f'URI="#NFCom{key}"'.encode(), f'URI="#NFCom{other}"'.encode())
    assert status_of(send_nfcom(svrs, document)) == (
        "298",
        "Rejeição: Assinatura difere do padrão do Projeto",
    )


def test_an_issuer_other_than_the_certificates_is_213(svrs):
    root = documents.nfcom()  # issued by 06117473000150...
    document = signed(svrs, root, cnpj="11222333000181")  # ...signed with another company's A1

    assert status_of(send_nfcom(svrs, document)) == (
        "213",
        "Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado Digital",
    )


def test_a_branch_of_the_certificates_company_may_issue(svrs):
    """E03 compares the CNPJ base (8 digits): a branch signs with the head office's A1."""
    root = documents.nfcom(cnpj="06117473000231")
    assert status_of(send_nfcom(svrs, signed(svrs, root)))[0] == "100"


# --- the key -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key43", "digit"),
    [
        ("5206043300991100250655012000000780026730161", 5),  # MOC Visão Geral 7.3's example
        ("4125030611747300015062001000000123101234567", 5),  # nfelib's sample NFCom
        # The Receita's alphanumeric CNPJ 12.ABC.345/01DE-35: the same mod 11 with each
        # character as its ASCII code minus 48 gives its two check digits, 3 then 5.
        ("12ABC34501DE", 3),
        ("12ABC34501DE3", 5),
    ],
)
def test_the_check_digit_is_the_published_one(key43, digit):
    assert check_digit(key43) == digit


def test_an_issuer_with_an_alphanumeric_cnpj_is_authorized(svrs):
    cnpj = "12ABC34501DE35"
    root = documents.nfcom(cnpj=cnpj)

    answer = send_nfcom(svrs, signed(svrs, root, cnpj))

    assert status_of(answer) == ("100", "Autorizado o uso da NFCom")
    assert documents.key_of(root)[6:20] == cnpj
    assert svrs.violations == []


def test_an_unsigned_document_is_refused_by_the_schema(svrs):
    """The XSD requires the Signature and group C (schema, 215) comes before group D (290)."""
    document = etree.tostring(documents.nfcom())

    status, reason = status_of(send_nfcom(svrs, document))

    assert status == "215"
    assert "Signature" in reason


def test_the_key_is_composed_from_the_samples_fields():
    root = etree.parse(str(documents.SAMPLE)).getroot()
    information = root.find("n:infNFCom", NS)
    assert "NFCom" + composed_key(information) == information.get("Id")


def test_a_wrong_check_digit_is_253(svrs):
    root = documents.nfcom()
    documents.set_key_digit(root, (int(documents.key_of(root)[-1]) + 1) % 10)

    assert status_of(send_nfcom(svrs, signed(svrs, root))) == (
        "253",
        "Rejeição: Digito Verificador da chave de acesso composta inválido",
    )


def test_an_id_other_than_the_fields_key_is_227(svrs):
    root = documents.nfcom()
    root.find("n:infNFCom/n:ide/n:nNF", NS).text = "124"  # the Id still says 123
    assert status_of(send_nfcom(svrs, signed(svrs, root)))[0] == "227"


def test_a_production_document_in_homologation_is_252(svrs):
    root = documents.nfcom(tp_amb="1")
    assert status_of(send_nfcom(svrs, signed(svrs, root)))[0] == "252"


# --- the database ------------------------------------------------------------------------
def test_the_same_key_again_is_204_with_the_first_protocol(svrs):
    document = signed(svrs, documents.nfcom())
    first = send_nfcom(svrs, document).findtext("n:protNFCom/n:infProt/n:nProt", namespaces=NS)

    status, reason = status_of(send_nfcom(svrs, document))

    assert status == "204"
    assert reason.startswith(f"Rejeição: Duplicidade de NFCom [nProt:{first}][dhAut: ")


def test_the_same_number_with_another_code_is_539(svrs):
    send_nfcom(svrs, signed(svrs, documents.nfcom(number=7, code="1111111")))

    status, reason = status_of(
        send_nfcom(svrs, signed(svrs, documents.nfcom(number=7, code="2222222")))
    )

    assert status == "539"
    assert "Duplicidade de NFCom, com diferença na Chave de Acesso" in reason


# --- events ------------------------------------------------------------------------------
def authorized(svrs, at: datetime, number: int = 123) -> tuple[str, str]:
    svrs.set_now(at)
    root = documents.nfcom(number=number)
    answer = send_nfcom(svrs, signed(svrs, root))
    return documents.key_of(root), answer.findtext("n:protNFCom/n:infProt/n:nProt", namespaces=NS)


def send_event(svrs, event, signer=None) -> tuple[str, str]:
    answer = post(svrs, "NFComRecepcaoEvento", signed(svrs, event, signer).decode())
    return status_of(answer.find("n:infEvento", NS))


@pytest.mark.parametrize(
    ("authorized_at", "deadline"),
    [
        ("2025-03-20T10:00:00-03:00", "2025-04-06T00:00:00-03:00"),
        ("2025-03-31T23:59:00-03:00", "2025-04-06T00:00:00-03:00"),
        ("2025-12-01T00:00:00-03:00", "2026-01-06T00:00:00-03:00"),
        ("2028-02-29T12:00:00-03:00", "2028-03-06T00:00:00-03:00"),
        ("2025-04-01T02:30:00+00:00", "2025-04-06T00:00:00-03:00"),  # 31 March in Brasília
    ],
)
def test_the_cancel_deadline_is_120_hours_into_the_next_month(authorized_at, deadline):
    assert cancel_deadline(datetime.fromisoformat(authorized_at)) == datetime.fromisoformat(
        deadline
    )


def test_a_cancel_event_is_registered_once(svrs):
    key, protocol = authorized(svrs, datetime(2025, 3, 20, 10, tzinfo=BRASILIA))
    event = documents.cancel_event(key, protocol, svrs.now())

    assert send_event(svrs, event) == ("135", "Evento registrado e vinculado a NFCom")
    assert send_event(svrs, documents.cancel_event(key, protocol, svrs.now()))[0] == "631"
    assert svrs.violations == []


def test_the_consult_of_a_cancelled_nfcom_carries_the_cancel_event(svrs):
    """MOC Visão Geral 4.3.2, DR09: procEventoNFCom, the event and its registration."""
    key, protocol = authorized(svrs, datetime(2025, 3, 20, 10, tzinfo=BRASILIA))
    send_event(svrs, documents.cancel_event(key, protocol, svrs.now()))

    query = (
        f'<consSitNFCom xmlns="{NS["n"]}" versao="1.00"><tpAmb>2</tpAmb>'
        f"<xServ>CONSULTAR</xServ><chNFCom>{key}</chNFCom></consSitNFCom>"
    )
    answer = post(svrs, "NFComConsulta", query)

    assert status_of(answer)[0] == "101"
    procs = answer.findall("n:procEventoNFCom/n:procEventoNFCom", NS)  # the xs:any wrapper
    assert len(procs) == 1
    assert procs[0].findtext("n:eventoNFCom/n:infEvento/n:tpEvento", namespaces=NS) == "110111"
    assert procs[0].findtext("n:retEventoNFCom/n:infEvento/n:cStat", namespaces=NS) == "135"
    assert schema_errors("procEventoNFCom_v1.00.xsd", procs[0]) == []
    assert svrs.violations == []


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"protocol": "3412500000009999"}, "222"),  # not the authorization's protocol
        ({"cnpj": "11222333000181"}, "632"),  # an author other than the issuer
        ({"justification": "curta"}, "630"),  # xJust: 15 characters at least
        ({"sequence": 2}, "636"),  # a cancel is nSeqEvento 1
        ({"tp_amb": "1"}, "252"),
    ],
)
def test_a_wrong_cancel_event_is_refused_with_the_mocs_code(svrs, change, status):
    key, protocol = authorized(svrs, datetime(2025, 3, 20, 10, tzinfo=BRASILIA))
    values = {"protocol": protocol, **change}
    event = documents.cancel_event(key, values.pop("protocol"), svrs.now(), **values)
    assert send_event(svrs, event, signer=values.get("cnpj"))[0] == status


def test_a_cancel_of_an_unknown_key_is_217(svrs):
    svrs.set_now(datetime(2025, 3, 20, 10, tzinfo=BRASILIA))
    key = documents.key_of(documents.nfcom(number=999))
    event = documents.cancel_event(key, "3412500000000001", svrs.now())
    assert send_event(svrs, event)[0] == "217"


# --- the two verifiers -------------------------------------------------------------------
MARCH_2025 = datetime(2025, 3, 20, 10, tzinfo=BRASILIA)
END_OF_2024 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def company():
    """A CA, its A1 for the sample's issuer, a stranger's A1 for the same CNPJ, and the CA's A1
    that expired at the end of 2024."""
    ca = trustme.CA()
    return (
        ca.cert_pem.bytes().decode(),
        {
            "own": issue_a1(ca, "06117473000150"),
            "stranger": issue_a1(trustme.CA(), "06117473000150"),
            "expired": issue_a1(ca, "06117473000150", not_after=END_OF_2024),
        },
    )


def spoiled(document: bytes, spoil: str) -> bytes:
    if spoil == "a value":
        return document.replace(b"<vNF>111.54</vNF>", b"<vNF>11.54</vNF>")
    if spoil == "the signature value":
        start = document.index(b"<SignatureValue>") + len(b"<SignatureValue>")
        flipped = b"B" if document[start : start + 1] == b"A" else b"A"
        return document[:start] + flipped + document[start + 1 :]
    return document


@pytest.mark.parametrize("verifier", VERIFIERS)
@pytest.mark.parametrize(
    ("signer", "spoil", "status"),
    [
        ("own", "nothing", None),
        ("own", "a value", 297),
        ("own", "the signature value", 297),
        ("stranger", "nothing", 297),  # a certificate the CA did not issue
        ("expired", "nothing", 291),  # D02: "Certificado Assinatura Data Validade"
    ],
)
def test_both_verifiers_give_the_same_verdict(company, verifier, signer, spoil, status):
    ca_pem, a1s = company
    document = spoiled(documents.sign(documents.nfcom(), *a1s[signer]), spoil)

    refusal, cnpj = signature_problem(
        etree.fromstring(document), "infNFCom", ca_pem, MARCH_2025, verifier
    )

    assert (refusal.status if refusal else None) == status
    assert cnpj == (None if status == 291 else "06117473000150")


@pytest.mark.parametrize(
    ("now", "verified"),
    [(datetime(2024, 6, 1, tzinfo=UTC), True), (MARCH_2025, False)],
)
def test_both_verifiers_check_the_certificate_at_the_stand_ins_instant(company, now, verified):
    """Not at the machine's clock: valid in June 2024, expired in March 2025."""
    ca_pem, a1s = company
    root = etree.fromstring(documents.sign(documents.nfcom(), *a1s["expired"]))
    certificate = x509.load_pem_x509_certificate(a1s["expired"][0].encode())

    assert xmlsec1_verifies(etree.tostring(root), "infNFCom", ca_pem, now) is verified
    assert in_process_verifies(root, "infNFCom", certificate, ca_pem, now) is verified


def test_a_document_signed_by_an_expired_certificate_is_291(svrs):
    svrs.set_now(MARCH_2025)
    certificate, key = issue_a1(svrs._ca, svrs.cnpj, not_after=END_OF_2024)
    document = documents.sign(documents.nfcom(), certificate, key)

    assert status_of(send_nfcom(svrs, document)) == (
        "291",
        "Rejeição: Certificado Assinatura Data Validade",
    )


def test_the_in_process_stand_in_authorizes_and_refuses_alike():
    with SvrsStandIn(verifier="in-process") as svrs:
        document = signed(svrs, documents.nfcom())
        assert status_of(send_nfcom(svrs, spoiled(document, "a value")))[0] == "297"
        answer = send_nfcom(svrs, document)
        assert status_of(answer)[0] == "100"
        protocol = answer.findtext("n:protNFCom/n:infProt/n:nProt", namespaces=NS)
        event = documents.cancel_event(
            documents.key_of(etree.fromstring(document)), protocol, svrs.now()
        )
        assert send_event(svrs, event)[0] == "135"
        assert svrs.violations == []
