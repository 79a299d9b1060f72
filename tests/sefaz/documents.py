"""Signed documents for the tests: nfelib's shipped NFCom sample, numbered and signed here.

The sample (nfelib/nfcom/samples/v1_0/NFCom-nfcom.xml, issuer CNPJ 06117473000150, key
41250306117473000150620010000001231012345675) is the published document the stand-in must accept;
the tests change its number, code or issuer, recompute the key's check digit and sign it with
signxml (SHA1 allowed by a subclass, as erpbrasil.assinatura does), not with the service's signer:
the stand-in verifies with xmlsec1, so signer and verifier are independent.
"""

from datetime import datetime
from pathlib import Path

import nfelib
from lxml import etree
from signxml import XMLSigner, methods
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from tests.sefaz.checks import DSIG_NS, NFCOM_NS, check_digit
from tests.sefaz.registry import xml_instant

SAMPLE = Path(nfelib.__file__).parent / "nfcom" / "samples" / "v1_0" / "NFCom-nfcom.xml"
N = f"{{{NFCOM_NS}}}"


class _Sha1Signer(XMLSigner):
    """The NFCom's XMLDSig is RSA-SHA1 (MOC 3.2.4); signxml refuses SHA1 unless told."""

    def check_deprecated_methods(self):
        pass


def nfcom(number: int = 123, code: str = "1234567", cnpj: str | None = None, tp_amb: str = "2"):
    """The sample as an element, its number, code, issuer and environment changed, its key
    (Id, cDV, the QR code's chNFCom) recomputed with the right check digit."""
    root = etree.parse(str(SAMPLE), etree.XMLParser(remove_blank_text=True)).getroot()
    information = root.find(f"{N}infNFCom")
    information.find(f"{N}ide/{N}nNF").text = str(number)
    information.find(f"{N}ide/{N}cNF").text = code
    information.find(f"{N}ide/{N}tpAmb").text = tp_amb
    if cnpj:
        information.find(f"{N}emit/{N}CNPJ").text = cnpj
    set_key_digit(root, None)
    return root


def key_of(root) -> str:
    return root.find(f"{N}infNFCom").get("Id").removeprefix("NFCom")


def set_key_digit(root, digit: int | None) -> str:
    """Recompose the key from the fields with `digit` as DV (None: the right one)."""
    information = root.find(f"{N}infNFCom")
    ide = information.find(f"{N}ide")
    emitted = ide.findtext(f"{N}dhEmi")
    key43 = (
        ide.findtext(f"{N}cUF")
        + emitted[2:4]
        + emitted[5:7]
        + information.findtext(f"{N}emit/{N}CNPJ")
        + ide.findtext(f"{N}mod")
        + ide.findtext(f"{N}serie").zfill(3)
        + ide.findtext(f"{N}nNF").zfill(9)
        + ide.findtext(f"{N}tpEmis")
        + ide.findtext(f"{N}nSiteAutoriz")
        + ide.findtext(f"{N}cNF").zfill(7)
    )
    key = key43 + str(check_digit(key43) if digit is None else digit)
    ide.find(f"{N}cDV").text = key[43]
    information.set("Id", "NFCom" + key)
    qr = root.find(f"{N}infNFComSupl/{N}qrCodNFCom")
    qr.text = f"https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode?chNFCom={key}&tpAmb={ide.findtext(f'{N}tpAmb')}"
    return key


def cancel_event(
    key: str,
    protocol: str,
    when: datetime,
    justification: str = "Fatura emitida em duplicidade para o cliente",
    cnpj: str | None = None,
    tp_amb: str = "2",
    sequence: int = 1,
):
    """An eventoNFCom 110111 (MOC Visão Geral 5.1.1 and 6.1), unsigned."""
    event = etree.Element(f"{N}eventoNFCom", versao="1.00", nsmap={None: NFCOM_NS})
    information = etree.SubElement(event, f"{N}infEvento", Id=f"ID110111{key}{sequence:03d}")
    for name, value in (
        ("cOrgao", key[:2]),
        ("tpAmb", tp_amb),
        ("CNPJ", cnpj or key[6:20]),
        ("chNFCom", key),
        ("dhEvento", xml_instant(when)),
        ("tpEvento", "110111"),
        ("nSeqEvento", str(sequence)),
    ):
        etree.SubElement(information, f"{N}{name}").text = value
    detail = etree.SubElement(information, f"{N}detEvento", versaoEvento="1.00")
    cancel = etree.SubElement(detail, f"{N}evCancNFCom")
    etree.SubElement(cancel, f"{N}descEvento").text = "Cancelamento"
    etree.SubElement(cancel, f"{N}nProt").text = protocol
    etree.SubElement(cancel, f"{N}xJust").text = justification
    return event


def sign(root, certificate_pem: str, key_pem: str) -> bytes:
    """Enveloped XMLDSig of infNFCom / infEvento: C14N 1.0, RSA-SHA1, SHA1, the Signature in
    the default namespace (no prefix: MOC 3.2.4 and rule C04)."""
    signed_tag = "infNFCom" if root.tag == f"{N}NFCom" else "infEvento"
    signer = _Sha1Signer(
        method=methods.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signer.namespaces = {None: DSIG_NS}
    signed = signer.sign(
        root,
        key=key_pem.encode(),
        cert=certificate_pem,
        reference_uri="#" + root.find(f"{N}{signed_tag}").get("Id"),
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
