"""NFCom events (eventoNFCom 1.00), unsigned, ready for signing.sign(xml, certificate,
"infEvento") and Sefaz.send_event: the cancellation (110111) only.

The layout is MOC NFCom Visão Geral 1.00a, 5.1 (FP01-FP12) and evCancNFCom_v1.00.xsd:
- Id = "ID" + tpEvento + chNFCom + nSeqEvento in 3 digits: 55 characters (FP04), as the XSD's
  annotation says ("preencher com zeros a esquerda para compor 3 digitos");
- cOrgao: the UF that authorized the NFCom (the key's first two digits); CNPJ: the author, the
  issuer (632 otherwise); a cancellation is nSeqEvento 1 (636 otherwise);
- xJust: TJust, 15 to 255 characters of TString (no line breaks, no leading or trailing space,
  nothing above U+00FF).
"""

import re
from datetime import datetime

from lxml import etree

from models.errors import Invalid

NAMESPACE = "http://www.portalfiscal.inf.br/nfcom"
VERSION = "1.00"
CANCELLATION = "110111"
_N = f"{{{NAMESPACE}}}"
_PROTOCOL = re.compile(r"[0-9]{16}")  # TProt


def event_id(kind: str, access_key: str, sequence: int) -> str:
    return f"ID{kind}{access_key}{sequence:03d}"


def cancellation(
    access_key: str, protocol: str, justification: str, at: datetime, environment: int
) -> bytes:
    """The eventoNFCom that cancels the authorized NFCom `access_key` (its protocol `protocol`)
    for `justification`, dated `at` (aware); Invalid (in Portuguese) for what SEFAZ would refuse.
    The deadline (120 hours into the next month) is SEFAZ's to check at `at`: 220 otherwise."""
    reason = " ".join(justification.split())  # line breaks and runs of spaces: TString refuses
    if not 15 <= len(reason) <= 255:
        raise Invalid(
            "A justificativa do cancelamento precisa ter de 15 a 255 caracteres.",
            {"justification": f"{len(reason)} caracteres"},
        )
    if any(ord(char) > 0xFF for char in reason):
        raise Invalid(
            "A justificativa tem caracteres que a SEFAZ não aceita (use letras, números e "
            "pontuação comuns).",
            {"justification": "caracteres fora do padrão"},
        )
    if not _PROTOCOL.fullmatch(protocol or ""):
        raise Invalid("O protocolo de autorização da NFCom deve ter 16 dígitos.")
    if at.tzinfo is None:
        raise ValueError("the event's instant must carry its time zone")
    event = etree.Element(f"{_N}eventoNFCom", versao=VERSION, nsmap={None: NAMESPACE})
    information = etree.SubElement(
        event, f"{_N}infEvento", Id=event_id(CANCELLATION, access_key, 1)
    )
    for name, value in (
        ("cOrgao", access_key[:2]),
        ("tpAmb", str(environment)),
        ("CNPJ", access_key[6:20]),
        ("chNFCom", access_key),
        ("dhEvento", at.isoformat(timespec="seconds")),
        ("tpEvento", CANCELLATION),
        ("nSeqEvento", "1"),
    ):
        etree.SubElement(information, f"{_N}{name}").text = value
    detail = etree.SubElement(information, f"{_N}detEvento", versaoEvento=VERSION)
    cancel = etree.SubElement(detail, f"{_N}evCancNFCom")
    etree.SubElement(cancel, f"{_N}descEvento").text = "Cancelamento"
    etree.SubElement(cancel, f"{_N}nProt").text = protocol
    etree.SubElement(cancel, f"{_N}xJust").text = reason
    return etree.tostring(event, xml_declaration=True, encoding="UTF-8")
