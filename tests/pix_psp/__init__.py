"""A stand-in PIX payment provider (PSP) for tests: the BCB's API Pix over mutual TLS + OAuth2,
validated against the published OpenAPI document, with payer simulations, webhooks and faults.

    from tests.pix_psp import PspStandIn, MtlsLiveServer

See README.md in this directory.
"""

from tests.pix_psp.mtls_server import MtlsLiveServer
from tests.pix_psp.server import PspStandIn

__all__ = ["MtlsLiveServer", "PspStandIn"]
