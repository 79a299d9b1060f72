"""The distribution document nfcomProc: the signed NFCom with SEFAZ's protNFCom, the XML the
customer and the fiscal archive get (procNFCom_v1.00.xsd).

The NFCom goes in as parsed from the stored signed bytes, never rebuilt: the signature covers
infNFCom's canonical form, which moving it under nfcomProc (same default namespace) keeps.
"""

from lxml import etree

from models.fiscal import schemas

NAMESPACE = "http://www.portalfiscal.inf.br/nfcom"
VERSION = "1.00"
_NS = f"{{{NAMESPACE}}}"


class InvalidProc(ValueError):
    """The NFCom and the protocol do not make an nfcomProc; the message says why."""


def wrap(signed_nfcom: bytes, protocol_xml: bytes) -> bytes:
    """The nfcomProc of an authorized NFCom, checked against procNFCom_v1.00.xsd."""
    nfcom = etree.fromstring(signed_nfcom)
    protocol = etree.fromstring(protocol_xml)
    if nfcom.tag != f"{_NS}NFCom" or protocol.tag != f"{_NS}protNFCom":
        raise InvalidProc("Esperava uma NFCom e um protNFCom.")
    key = (nfcom.find(f"{_NS}infNFCom").get("Id") or "").removeprefix("NFCom")
    information = protocol.find(f"{_NS}infProt")
    # A protocol of another key, or one without nProt (a rejection), authorizes nothing here.
    if information is None or information.findtext(f"{_NS}chNFCom") != key:
        raise InvalidProc(f"O protocolo não é o da NFCom {key}.")
    if not information.findtext(f"{_NS}nProt"):
        raise InvalidProc(f"O protocolo da NFCom {key} não é de autorização (sem nProt).")
    proc = etree.Element(f"{_NS}nfcomProc", versao=VERSION, nsmap={None: NAMESPACE})
    proc.append(nfcom)
    proc.append(protocol)
    xml = etree.tostring(proc, xml_declaration=True, encoding="UTF-8")
    errors = schemas.validate_proc(xml)
    if errors:
        raise InvalidProc("; ".join(str(error) for error in errors))
    return xml
