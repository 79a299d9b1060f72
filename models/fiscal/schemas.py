"""Validation against the official XSDs nfelib ships (PL_NFCOM_1.00_NT2026.002 RTC 1.01).

Each schema is parsed once per process (lxml's XMLSchema is reusable and costs ~100 ms to load).
The errors come back with their line and the element, so finance is told what to fix before
anything is sent to SEFAZ.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

import nfelib
from lxml import etree

SCHEMA_DIR = Path(nfelib.__file__).parent / "nfcom" / "schemas" / "v1_0"
NFCOM = "nfcom_v1.00.xsd"
EVENT = "eventoNFCom_v1.00.xsd"


@dataclass(frozen=True)
class SchemaError:
    line: int
    element: str  # the XPath of the offending element
    message: str  # libxml2's own text, which names the element and the rule broken

    def __str__(self) -> str:
        return f"Linha {self.line}: {self.message}"


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))


def validate(xml: bytes, schema: str = NFCOM) -> list[SchemaError]:
    """The document's errors against `schema` (NFCOM or EVENT); empty when it is valid."""
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        return [SchemaError(error.lineno or 0, "", f"XML malformado: {error.msg}")]
    validator = _schema(schema)
    if validator.validate(document):
        return []
    return [SchemaError(e.line, e.path or "", e.message) for e in validator.error_log]
