"""What the stand-in checks in a document, in its own code (nothing from models/fiscal/).

- the official XSDs shipped with nfelib (PL_NFCom 1.00, the ones SVRS publishes);
- the access key: its composition from the document's fields and its mod-11 check digit
  (MOC Visão Geral 2.x "Chave de Acesso" and 7.3);
- the XMLDSig signature as the MOC's 3.2.4 fixes it (enveloped, C14N 1.0, RSA-SHA1, SHA1 digest,
  the Reference pointing at the Id of infNFCom / infEvento), its value verified by Debian's
  `xmlsec1 --verify` against the stand-in's CA: a tool independent of the service's signer.
  xmlsec1 costs a process per document (about 40 ms); for volume (the benchmark) the stand-in
  can verify in process instead (`in_process_verifies`: the same profile computed here with
  lxml's C14N and cryptography), and the tests hold the two to the same verdicts.
"""

import base64
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import nfelib
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from tests.sefaz.certificates import cnpj_of

NFCOM_NS = "http://www.portalfiscal.inf.br/nfcom"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
SCHEMAS = Path(nfelib.__file__).parent / "nfcom" / "schemas" / "v1_0"
C14N_1_0 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
XMLSEC1 = "xmlsec1"


class Refusal(Exception):
    """A rule the document breaks: cStat and xMotivo as SVRS answers them."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason[:255]


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    """An official XSD by file name ("nfcom_v1.00.xsd"), parsed once per process."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def schema_errors(name: str, element) -> list[str]:
    checker = schema(name)
    if checker.validate(element):
        return []
    return [f"{error.path}: {error.message}" for error in checker.error_log][:5]


def check_digit(key43: str) -> int:
    """The access key's DV: mod 11, weights 2..9 from the right, 0 when the rest is 0 or 1.
    A character counts as its ASCII code minus 48 (a digit as itself, "A" as 17): the rule of
    the alphanumeric CNPJ (IN RFB 2.229/2024), which the key carries in positions 7-18."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum((ord(char) - 48) * weights[i % 8] for i, char in enumerate(reversed(key43)))
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


def composed_key(information) -> str:
    """cUF AAMM CNPJ mod série nNF tpEmis nSiteAutoriz cNF cDV from an infNFCom's own fields."""

    def field(path: str) -> str:
        found = information.find(path, {"n": NFCOM_NS})
        return (found.text or "") if found is not None else ""

    emitted = field("n:ide/n:dhEmi")
    return (
        field("n:ide/n:cUF")
        + emitted[2:4]
        + emitted[5:7]
        + (field("n:emit/n:CNPJ") or field("n:emit/n:CPF")).zfill(14)
        + field("n:ide/n:mod")
        + field("n:ide/n:serie").zfill(3)
        + field("n:ide/n:nNF").zfill(9)
        + field("n:ide/n:tpEmis")
        + field("n:ide/n:nSiteAutoriz")
        + field("n:ide/n:cNF").zfill(7)
        + field("n:ide/n:cDV")
    )


# cUF AAMM: digits; the CNPJ's 12 first characters: letters or digits; the rest digits (the
# XSD's TChNFCom pattern, as eventoNFCom's Id pattern shows: ID[0-9]{12}[A-Z0-9]{12}[0-9]{28}).
_KEY = re.compile(r"[0-9]{6}[A-Z0-9]{12}[0-9]{26}")


def key_problem(key: str) -> str | None:
    """Why a 44-digit key is not one (for 236 "Chave de Acesso inválida [Motivo: ...]")."""
    if not _KEY.fullmatch(key or ""):
        return "formato inválido"
    if key[20:22] != "62":
        return "Modelo diferente de 62"
    if check_digit(key[:43]) != int(key[43]):
        return "DV inválido"
    return None


def data_area_problem(document: bytes) -> Refusal | None:
    """MOC Visão Geral 4.1.4, group C, the rules a schema cannot see (C02 to C05)."""
    head = document.lstrip()[:100].lower()
    if head.startswith(b"<?xml") and b"encoding" in head and b"utf-8" not in head:
        return Refusal(402, "Rejeição: XML da área de dados com codificação diferente de UTF-8")
    if document != document.strip() or _edit_characters(document):
        return Refusal(
            599,
            "Rejeição: Não é permitida a presença de caracteres de edição no início/fim da "
            "mensagem ou entre as tags da mensagem",
        )
    return None


def _edit_characters(document: bytes) -> bool:
    """Line breaks, tabs or spaces between two tags (C03); the XML declaration's line aside."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", document, count=1)
    return re.search(rb">\s+<", body) is not None


def namespace_problem(root) -> Refusal | None:
    """C02 (only the project's namespace, and xmldsig's in Signature) and C04 (no prefixes)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.prefix is not None:
            return Refusal(404, "Rejeição: Uso de prefixo de namespace não permitido")
        if etree.QName(element).namespace not in (NFCOM_NS, DSIG_NS):
            return Refusal(598, "Rejeição: Usar somente o namespace padrão da NFCom")
    return None


VERIFIERS = ("xmlsec1", "in-process")


def signature_problem(
    root, signed_tag: str, ca_pem: str, now: datetime, verifier: str = "xmlsec1"
) -> tuple[Refusal | None, str | None]:
    """Groups D and E of MOC Visão Geral 4.1.5/4.1.6 on the Signature that signs `signed_tag`:
    (the refusal if any, the signer's CNPJ), at the stand-in's instant `now`. The value is
    verified by xmlsec1 (or in process)."""
    ns = {"n": NFCOM_NS, "ds": DSIG_NS}
    signature = root.find("ds:Signature", ns)
    certificate_text = root.findtext(
        "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=ns
    )
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(certificate_text or ""))
    except ValueError:
        return Refusal(290, "Rejeição: Certificado Assinatura inválido"), None
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        # D02 (MOC Visão Geral 1.00a, 4.1.5): "Validade do Certificado (data início e data fim)"
        return Refusal(291, "Rejeição: Certificado Assinatura Data Validade"), None
    cnpj = cnpj_of(certificate)
    if cnpj is None:
        return Refusal(292, "Rejeição: Certificado Assinatura sem CNPJ"), None
    signed = root.find(f"n:{signed_tag}", ns)
    reference = signature.find("ds:SignedInfo/ds:Reference", ns)
    transforms = [
        t.get("Algorithm")
        for t in signature.iterfind("ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform", ns)
    ]
    if (
        signature.find("ds:SignedInfo/ds:CanonicalizationMethod", ns).get("Algorithm") != C14N_1_0
        or signature.find("ds:SignedInfo/ds:SignatureMethod", ns).get("Algorithm") != RSA_SHA1
        or reference.find("ds:DigestMethod", ns).get("Algorithm") != SHA1
        or reference.get("URI") != "#" + (signed.get("Id") or "")
        or sorted(transforms) != sorted([ENVELOPED, C14N_1_0])
    ):
        return Refusal(298, "Rejeição: Assinatura difere do padrão do Projeto"), cnpj
    if verifier == "xmlsec1":
        verified = xmlsec1_verifies(etree.tostring(root), signed_tag, ca_pem, now)
    else:
        verified = in_process_verifies(root, signed_tag, certificate, ca_pem, now)
    if not verified:
        return Refusal(297, "Rejeição: Assinatura difere do calculado"), cnpj
    return None, cnpj


def xmlsec1_path() -> str:
    found = shutil.which(XMLSEC1)
    if found is None:
        raise RuntimeError("the stand-in SVRS needs Debian's xmlsec1 (apt-get install xmlsec1)")
    return found


def xmlsec1_verifies(document: bytes, signed_tag: str, ca_pem: str, now: datetime) -> bool:
    """`xmlsec1 --verify`, the certificate in KeyInfo checked against the stand-in's CA at the
    stand-in's instant (--verification-time, read in the process's time zone: UTC here)."""
    with tempfile.TemporaryDirectory(prefix="svrs-") as folder:
        path = os.path.join(folder, "document.xml")
        ca_path = os.path.join(folder, "ca.pem")
        Path(path).write_bytes(document)
        Path(ca_path).write_text(ca_pem)
        done = subprocess.run(
            [
                xmlsec1_path(),
                "--verify",
                "--trusted-pem",
                ca_path,
                "--verification-time",
                f"{now.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
                "--id-attr:Id",
                f"{NFCOM_NS}:{signed_tag}",
                path,
            ],
            capture_output=True,
            timeout=30,
            check=False,
            env={**os.environ, "TZ": "UTC"},
        )
    return done.returncode == 0


def in_process_verifies(
    root, signed_tag: str, certificate: x509.Certificate, ca_pem: str, now: datetime
) -> bool:
    """The MOC's one profile, computed here: SHA1 of the C14N 1.0 of the signed element equals
    DigestValue, the RSA-SHA1 SignatureValue over SignedInfo's C14N verifies with the KeyInfo
    certificate, and that certificate was issued by the stand-in's CA and is valid at `now`, as
    xmlsec1 checks it. (The enveloped transform
    removes nothing: the Signature is the signed element's sibling, which signature_problem
    has made sure of.)"""
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return False
    ns = {"n": NFCOM_NS, "ds": DSIG_NS}
    signed_info = root.find("ds:Signature/ds:SignedInfo", ns)
    signed = root.find(f"n:{signed_tag}", ns)
    canonical = _canonical(signed)
    digest = base64.b64encode(hashlib.sha1(canonical).digest())  # noqa: S324 (the law's SHA1)
    if digest.decode() != (
        signed_info.findtext("ds:Reference/ds:DigestValue", namespaces=ns) or ""
    ):
        return False
    try:
        certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem.encode()))
        certificate.public_key().verify(
            base64.b64decode(root.findtext("ds:Signature/ds:SignatureValue", namespaces=ns) or ""),
            _canonical(signed_info),
            padding.PKCS1v15(),
            hashes.SHA1(),  # noqa: S303 (the NFCom's XMLDSig is RSA-SHA1 by law)
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _canonical(element) -> bytes:
    """Inclusive C14N 1.0 of `element` as a document subset: serialized on its own first, which
    carries the namespaces in scope (lxml's c14n of an element in place did not give
    xmlsec1's digest)."""
    return etree.tostring(etree.fromstring(etree.tostring(element)), method="c14n")
