"""A stand-in SVRS for tests: NFCom's web services over mutual TLS and SOAP 1.2, checking the
official XSDs and the XMLDSig signature (xmlsec1) of what it receives and answering like SVRS.

    from tests.sefaz import SvrsStandIn

See README.md in this directory.
"""

from tests.sefaz.server import SvrsStandIn

__all__ = ["SvrsStandIn"]
