"""The A1 certificate and the XMLDSig as the NFCom schema fixes it, checked by xmlsec1."""

import base64
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from lxml import etree

from models.fiscal import schemas
from models.fiscal.nfcom_documents import access_key, build_xml
from models.fiscal.signing import CertificateError, check_issuer, load_certificate, sign
from tests.fiscal_samples import (
    A1_PASSWORD,
    ISSUER_CNPJ,
    VALID_AT,
    company_invoice,
    make_a1,
    xmlsec1_verify,
)

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def test_the_a1_opens_with_its_password(a1, certificate):
    assert certificate.valid_until == datetime(2027, 1, 1, tzinfo=UTC)
    assert "RFB e-CNPJ A1" in certificate.certificate.subject.rfc4514_string()


@pytest.mark.parametrize(
    ("pkcs12", "password", "now", "reason"),
    [
        (None, "senha errada", VALID_AT, "a senha está errada"),
        (b"%PDF-1.7 not a certificate", A1_PASSWORD, VALID_AT, "não é um certificado A1"),
        (b"\x30\x03\x02\x01\x03", A1_PASSWORD, VALID_AT, "está corrompido"),
        (None, A1_PASSWORD, datetime(2027, 1, 2, tzinfo=UTC), "venceu em 01/01/2027"),
        (None, A1_PASSWORD, datetime(2025, 12, 31, tzinfo=UTC), "só vale a partir de 01/01/2026"),
    ],
)
def test_an_a1_that_cannot_sign_says_why_in_portuguese(a1, pkcs12, password, now, reason):
    with pytest.raises(CertificateError, match=reason) as raised:
        load_certificate(pkcs12 or a1.pkcs12, password, now)
    assert raised.value.status == 422


def test_a_pkcs12_without_the_private_key_is_refused(a1):
    only_certificates = pkcs12.serialize_key_and_certificates(
        None,
        None,
        None,
        [x509.load_pem_x509_certificate(a1.certificate_pem)],
        BestAvailableEncryption(A1_PASSWORD.encode()),
    )

    with pytest.raises(CertificateError, match="não traz a chave privada"):
        load_certificate(only_certificates, A1_PASSWORD, VALID_AT)


def test_the_a1_tells_its_cnpj(certificate):
    assert certificate.cnpj == ISSUER_CNPJ


@pytest.mark.parametrize(
    ("value", "cnpj"),
    [
        (b"\x04\x0e11222333000181", "11222333000181"),  # OCTET STRING
        (b"\x13\x0e11222333000181", "11222333000181"),  # PrintableString
        (b"\x0c\x0e12ABC34501DE35", "12ABC34501DE35"),  # UTF8String, an alphanumeric CNPJ
        (b"\x04\x1011222333000181XY", "11222333000181"),  # the first 14 characters
    ],
)
def test_the_cnpj_is_read_from_the_icp_brasil_extension(value, cnpj):
    a1 = make_a1(cnpj=None, cnpj_value=value)

    assert load_certificate(a1.pkcs12, a1.password, VALID_AT).cnpj == cnpj


def test_a_certificate_without_a_cnpj_is_refused():
    e_cpf_like = make_a1(cnpj=None)

    with pytest.raises(CertificateError, match="não traz o CNPJ"):
        load_certificate(e_cpf_like.pkcs12, e_cpf_like.password, VALID_AT)


def test_a_certificate_of_the_same_company_signs_for_any_of_its_branches(certificate):
    check_issuer(certificate, "11222333000262")  # same base 11222333, another branch


def test_a_certificate_of_another_company_is_refused_in_portuguese():
    other = make_a1(cnpj="04252011000110")
    certificate = load_certificate(other.pkcs12, other.password, VALID_AT)

    with pytest.raises(CertificateError, match="de outra empresa que a emitente") as raised:
        check_issuer(certificate, ISSUER_CNPJ)
    assert "04252011000110" in str(raised.value)


def test_an_a1_without_an_rsa_key_is_refused():
    ec_a1 = make_a1(use_rsa=False)

    with pytest.raises(CertificateError, match="não é RSA"):
        load_certificate(ec_a1.pkcs12, ec_a1.password, VALID_AT)


def test_the_signature_has_the_schemas_shape(a1, certificate):
    data = company_invoice()
    xml = sign(build_xml(data), certificate)
    document = etree.fromstring(xml)
    signature = document[-1]

    assert signature.tag == f"{DS}Signature"
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">' in xml  # no prefix (404)
    assert b"ds:" not in xml
    reference = signature.find(f"{DS}SignedInfo/{DS}Reference")
    assert reference.get("URI") == f"#NFCom{access_key(data)}"
    assert [t.get("Algorithm") for t in reference.iterfind(f"{DS}Transforms/{DS}Transform")] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    ]
    certificates = signature.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    assert len(certificates) == 1  # the end certificate only ("EndCertOnly")
    assert x509.load_der_x509_certificate(
        base64.b64decode(certificates[0].text)
    ) == x509.load_pem_x509_certificate(a1.certificate_pem)


def test_a_signature_by_a_certificate_the_verifier_does_not_trust_fails(a1):
    stranger = make_a1(name="OUTRO PROVEDOR LTDA")
    xml = sign(
        build_xml(company_invoice()),
        load_certificate(stranger.pkcs12, stranger.password, VALID_AT),
    )

    assert schemas.validate(xml) == []
    assert xmlsec1_verify(xml, a1).returncode != 0  # a1's CA did not issue it
    assert xmlsec1_verify(xml, stranger).returncode == 0


def cancellation(key: str, justification: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<eventoNFCom xmlns="http://www.portalfiscal.inf.br/nfcom" versao="1.00"><infEvento
 Id="ID110111{key}001"><cOrgao>43</cOrgao><tpAmb>2</tpAmb><CNPJ>{key[6:20]}</CNPJ>
<chNFCom>{key}</chNFCom><dhEvento>2026-12-02T10:00:00-03:00</dhEvento><tpEvento>110111</tpEvento>
<nSeqEvento>1</nSeqEvento><detEvento versaoEvento="1.00"><evCancNFCom>
<descEvento>Cancelamento</descEvento><nProt>3432600000000042</nProt><xJust>{justification}</xJust>
</evCancNFCom></detEvento></infEvento></eventoNFCom>""".encode()


def test_the_same_signer_signs_a_cancellation_event(a1, certificate):
    key = str(access_key(company_invoice()))
    xml = sign(cancellation(key, "Cobrança emitida em duplicidade"), certificate, "infEvento")

    assert schemas.validate_event(xml) == []
    result = xmlsec1_verify(xml, a1, element="infEvento")
    assert result.returncode == 0, result.stderr


def test_an_events_content_is_checked_against_its_own_schema(certificate):
    key = str(access_key(company_invoice()))
    xml = sign(cancellation(key, "curta"), certificate, "infEvento")

    errors = schemas.validate_event(xml)
    assert len(errors) == 1
    assert "xJust" in errors[0].message
