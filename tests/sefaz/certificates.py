"""A1-like certificates for the stand-in: what ICP-Brasil issues to a company, minus ICP-Brasil.

An e-CNPJ A1 carries the company's CNPJ in its subjectAltName as an otherName of OID 2.16.76.1.3.3
(MOC NFCom Visão Geral 3.2.3 and rule D03/A07: "Falta a extensão de CNPJ no Certificado
(OtherName - OID=2.16.76.1.3.3)"), 14 ASCII digits in an OCTET STRING. SEFAZ compares its CNPJ base
with the issuer's (rule E03, cStat 213), so the stand-in issues such certificates from its trustme
CA: the same certificate authenticates the TLS client and signs the documents, as an A1 does.
"""

import secrets
from datetime import UTC, datetime

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

CNPJ_OID = ObjectIdentifier("2.16.76.1.3.3")
# Wide enough for any clock the tests set (the stand-in's runs from 2025); tests of an expired or
# not yet valid certificate pass their own window.
NOT_BEFORE = datetime(2020, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2040, 1, 1, tzinfo=UTC)


def e_cnpj(
    ca_key,
    ca_certificate: x509.Certificate,
    cnpj: str | None,
    name: str = "PROVEDOR TESTE LTDA",
    not_before: datetime = NOT_BEFORE,
    not_after: datetime = NOT_AFTER,
    key=None,
    cnpj_value: bytes | None = None,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """(certificate, key) of an e-CNPJ for `cnpj` signed by the CA: subject "NAME:CNPJ", the CNPJ
    in otherName 2.16.76.1.3.3 (OCTET STRING), client-auth and signing usages. `key`: the
    subject's key (default a new RSA 2048). `cnpj` None: no CNPJ extension (not an e-CNPJ);
    `cnpj_value`: the otherName's DER value as given (other encodings). The one factory of
    test A1s (tests/fiscal_samples.py and the stand-in use it)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "RFB e-CNPJ A1"),
                    x509.NameAttribute(NameOID.COMMON_NAME, f"{name}:{cnpj or ''}"),
                ]
            )
        )
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # "não recusa" (MOC 3.2.3 a)
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key()),
            critical=False,
        )
    )
    if cnpj is not None or cnpj_value is not None:
        value = cnpj_value or b"\x04" + bytes([len(cnpj)]) + cnpj.encode()
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.OtherName(CNPJ_OID, value)]), critical=False
        )
    return builder.sign(ca_key, hashes.SHA256()), key


def issue_a1(
    ca: trustme.CA,
    cnpj: str,
    name: str = "PROVEDOR TESTE LTDA",
    not_before: datetime = NOT_BEFORE,
    not_after: datetime = NOT_AFTER,
) -> tuple[str, str]:
    """(certificate PEM, private key PEM) of an RSA 2048 e-CNPJ for `cnpj`, signed by `ca`."""
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), password=None)
    ca_certificate = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    certificate, key = e_cnpj(ca_key, ca_certificate, cnpj, name, not_before, not_after)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def cnpj_of(certificate: x509.Certificate) -> str | None:
    """The CNPJ in an e-CNPJ's otherName 2.16.76.1.3.3 (OCTET or PrintableString), if any."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    for other in names.value.get_values_for_type(x509.OtherName):
        if other.type_id == CNPJ_OID and len(other.value) > 2:
            cnpj = other.value[2:16].decode("ascii", errors="replace")
            # alphanumeric CNPJ (IN RFB 2.229/2024): letters and digits, the DV still digits
            return cnpj if len(cnpj) == 14 and cnpj.isascii() and cnpj.isalnum() else None
    return None
