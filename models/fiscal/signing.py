"""XMLDSig of NFCom documents and events with the ISP's A1 certificate (ICP-Brasil, PKCS#12).

The signature is the subset the schema fixes (xmldsig-core-schema_v1.01.xsd) and the MOC NFCom
1.00a (Visão Geral 3.2.4, "Padrão da Assinatura Digital") describes: enveloped, of the element
whose Id the Reference names (`#NFCom<key>` for infNFCom, `#ID<...>` for an event's infEvento);
C14N 1.0; RSA-SHA1; SHA-1 digest; two Transforms (enveloped-signature, C14N); KeyInfo with the
end certificate alone ("EndCertOnly"); no namespace prefix (rejection 404), so the Signature
element declares the xmldsig namespace itself.

signxml refuses SHA-1 by default; the subclass below allows it, as erpbrasil.assinatura's
XMLSignerWithSHA1 does, because the schema allows nothing else.
"""

import base64
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ObjectIdentifier
from lxml import etree
from signxml import XMLSigner, namespaces
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from models.errors import DomainError


class CertificateError(DomainError):
    """The A1 certificate cannot sign: wrong password, not a PKCS#12, expired, not RSA."""

    status = 422
    code = "invalid_certificate"


# ICP-Brasil's e-CNPJ: subjectAltName otherName 2.16.76.1.3.3 whose content is "nas 14
# (quatorze) posições o número do CNPJ" (ICP-Brasil's DOC-ICP-04 wording, as quoted by public
# ICP-Brasil certificate parsers; the document itself was not read); the value is a DER string
# (OCTET, Printable or UTF8String seen in the wild) and the CNPJ its first 14 characters.
# SEFAZ refuses a signature without it (MOC NFCom Visão Geral 4.1.5, D03: 292).
CNPJ_OID = ObjectIdentifier("2.16.76.1.3.3")
_DER_STRINGS = frozenset({0x04, 0x0C, 0x13, 0x16})  # OCTET, UTF8, Printable, IA5


def cnpj_of(certificate: x509.Certificate) -> str | None:
    """The CNPJ an e-CNPJ certificate belongs to (14 characters: digits, or letters and digits
    from July 2026), None when it carries none."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    for other in names.value.get_values_for_type(x509.OtherName):
        value = other.value
        # short-form DER length: a 14-character CNPJ never needs the long form
        if other.type_id != CNPJ_OID or len(value) < 2 or value[0] not in _DER_STRINGS:
            continue
        content = value[2 : 2 + value[1]]
        cnpj = content[:14].decode("ascii", errors="replace").upper()
        if len(cnpj) == 14 and cnpj.isalnum() and cnpj.isascii():
            return cnpj
    return None


@dataclass(frozen=True)
class Certificate:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def valid_until(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @property
    def cnpj(self) -> str | None:
        return cnpj_of(self.certificate)


def check_issuer(certificate: Certificate, issuer_cnpj: str) -> None:
    """CertificateError unless the certificate belongs to the issuer's company: SEFAZ compares
    the CNPJ bases, the first 8 characters (MOC Visão Geral 4.1.6, E03: 213)."""
    if certificate.cnpj is None or certificate.cnpj[:8] != issuer_cnpj[:8]:
        raise CertificateError(
            f"O certificado é do CNPJ {certificate.cnpj or '(nenhum)'}, de outra empresa que "
            f"a emitente ({issuer_cnpj}): a SEFAZ recusaria as notas (rejeição 213)."
        )


def load_certificate(pkcs12_data: bytes, password: str, now: datetime) -> Certificate:
    """The key and certificate of an A1 file; CertificateError (in Portuguese) when it would not
    sign at `now`."""
    # A PKCS#12 file is a DER SEQUENCE; cryptography's error is the same for any other bytes
    # and for a wrong password, so the first byte tells finance which one to fix.
    if not pkcs12_data.startswith(b"\x30"):
        raise CertificateError("O arquivo não é um certificado A1 (PKCS#12, .pfx ou .p12).")
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(pkcs12_data, password.encode())
    except ValueError:
        raise CertificateError(
            "Não foi possível abrir o certificado A1: a senha está errada ou o arquivo está "
            "corrompido."
        ) from None
    if key is None or certificate is None:
        raise CertificateError("O arquivo não traz a chave privada e o certificado A1.")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError("A chave do certificado não é RSA, a única que a NFCom aceita.")
    if cnpj_of(certificate) is None:
        raise CertificateError(
            "O certificado não traz o CNPJ da empresa (não é um e-CNPJ da ICP-Brasil)."
        )
    if now < certificate.not_valid_before_utc:
        raise CertificateError(
            f"O certificado só vale a partir de {certificate.not_valid_before_utc:%d/%m/%Y}."
        )
    if now > certificate.not_valid_after_utc:
        raise CertificateError(
            f"O certificado venceu em {certificate.not_valid_after_utc:%d/%m/%Y}."
        )
    return Certificate(key=key, certificate=certificate)


class XMLSignerWithSHA1(XMLSigner):
    """signxml's signer with the SHA-1 the NFCom schema requires."""

    def check_deprecated_methods(self) -> None:
        pass


def _signer() -> XMLSigner:
    signer = XMLSignerWithSHA1(
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signer.namespaces = {None: namespaces.ds}  # <Signature xmlns="...xmldsig#">, no ds: prefix
    return signer


def sign(xml: bytes, certificate: Certificate, element: str = "infNFCom") -> bytes:
    """`xml` with its enveloped Signature, appended to the root, of the child `element` (by its
    Id attribute): "infNFCom" for an NFCom, "infEvento" for an event."""
    root = etree.fromstring(xml)
    target = root.find(f"{{*}}{element}")
    if target is None or not target.get("Id"):
        raise ValueError(f"No {element} with an Id to sign")
    signed = _signer().sign(
        root,
        key=certificate.key,
        cert=[certificate.certificate],
        reference_uri=f"#{target.get('Id')}",
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def sign_access_key(key: str, certificate: Certificate) -> str:
    """The QR Code's `sign` for an invoice issued in contingency: the base64 RSA-SHA1 signature
    of the 44-character key (MOC Visão Geral 9.2.2)."""
    signature = certificate.key.sign(key.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (the MOC fixes SHA-1)
    return base64.b64encode(signature).decode()
