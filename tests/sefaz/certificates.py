"""A1-like certificates for the stand-in: what ICP-Brasil issues to a company, minus ICP-Brasil.

An e-CNPJ A1 carries the company's CNPJ in its subjectAltName as an otherName of OID 2.16.76.1.3.3
(MOC NFCom Visão Geral 3.2.3 and rule D03/A07: "Falta a extensão de CNPJ no Certificado
(OtherName - OID=2.16.76.1.3.3)"), 14 ASCII digits in an OCTET STRING. SEFAZ compares its CNPJ base
with the issuer's (rule E03, cStat 213), so the stand-in issues such certificates from its trustme
CA: the same certificate authenticates the TLS client and signs the documents, as an A1 does.
"""

import secrets
from datetime import UTC, datetime, timedelta

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

CNPJ_OID = ObjectIdentifier("2.16.76.1.3.3")


def issue_a1(ca: trustme.CA, cnpj: str, name: str = "PROVEDOR TESTE LTDA") -> tuple[str, str]:
    """(certificate PEM, private key PEM) of an RSA 2048 e-CNPJ for `cnpj`, signed by `ca`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), password=None)
    ca_certificate = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Stand-in ICP"),
                    x509.NameAttribute(NameOID.COMMON_NAME, f"{name}:{cnpj}"),
                ]
            )
        )
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
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
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.OtherName(CNPJ_OID, b"\x04" + bytes([len(cnpj)]) + cnpj.encode())]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
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
            digits = other.value[2:].decode("ascii", errors="replace")
            return digits[:14] if digits[:14].isdigit() else None
    return None
