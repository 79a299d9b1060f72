"""Validation against the official XSDs nfelib ships (PL_NFCOM_1.00_NT2026.002 RTC 1.01).

Each schema is parsed once per thread (lxml's XMLSchema is reusable; loading one costs ~20 ms).
The errors come back with their line and the element, so finance is told what to fix before
anything is sent to SEFAZ.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import nfelib
from lxml import etree

SCHEMA_DIR = Path(nfelib.__file__).parent / "nfcom" / "schemas" / "v1_0"
NFCOM = "nfcom_v1.00.xsd"
EVENT = "eventoNFCom_v1.00.xsd"
PROC = "procNFCom_v1.00.xsd"  # nfcomProc: the NFCom with its protNFCom (distribution)
NAMESPACE = "{http://www.portalfiscal.inf.br/nfcom}"
# The envelope's detEvento is xs:any (processContents="skip"): each event's own schema checks it.
EVENT_DETAILS = {"evCancNFCom": "evCancNFCom_v1.00.xsd"}


@dataclass(frozen=True)
class SchemaError:
    line: int
    element: str  # the XPath of the offending element
    message: str  # libxml2's own text, which names the element and the rule broken

    def __str__(self) -> str:
        return f"Linha {self.line}: {self.message}"


_loaded = threading.local()


def _schema(name: str) -> etree.XMLSchema:
    # One per thread: a validator keeps the errors of its last run (error_log), so threads
    # sharing one could read each other's.
    schemas = _loaded.__dict__.setdefault("schemas", {})
    if name not in schemas:
        schemas[name] = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))
    return schemas[name]


def _parse(xml: bytes) -> tuple[etree._Element | None, list[SchemaError]]:
    try:
        return etree.fromstring(xml), []
    except etree.XMLSyntaxError as error:
        return None, [SchemaError(error.lineno or 0, "", f"XML malformado: {error.msg}")]


def _errors(document: etree._Element, schema: str) -> list[SchemaError]:
    validator = _schema(schema)
    if validator.validate(document):
        return []
    return [SchemaError(e.line, e.path or "", e.message) for e in validator.error_log]


def validate(xml: bytes) -> list[SchemaError]:
    """An NFCom's errors against nfcom_v1.00.xsd; empty when it is valid."""
    document, errors = _parse(xml)
    return errors if document is None else _errors(document, NFCOM)


def validate_event(xml: bytes) -> list[SchemaError]:
    """An event's errors: the envelope (eventoNFCom_v1.00.xsd), then its detEvento's content
    against the schema of its kind (evCancNFCom_v1.00.xsd for a cancellation)."""
    document, errors = _parse(xml)
    if document is None:
        return errors
    errors = _errors(document, EVENT)
    details = document.find(f"{NAMESPACE}infEvento/{NAMESPACE}detEvento")
    for content in details if details is not None else ():
        name = etree.QName(content).localname
        if name not in EVENT_DETAILS:
            errors.append(SchemaError(content.sourceline, name, f"Evento não previsto: {name}"))
            continue
        errors += _errors(content, EVENT_DETAILS[name])
    return errors


def validate_proc(xml: bytes) -> list[SchemaError]:
    """An nfcomProc's errors against procNFCom_v1.00.xsd; empty when it is valid."""
    document, errors = _parse(xml)
    return errors if document is None else _errors(document, PROC)
