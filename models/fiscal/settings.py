"""The fiscal domain's settings from the environment (built by web/config.py): where SEFAZ is.

What the ISP types (CNPJ, IE, certificate, series...) is a row, `fiscal_settings`; only what an
operator sets per installation is here: SVRS's address (a stand-in's in tests, or a proxy), the
CA its server certificate is checked against, and how long to wait for an answer.
"""

from dataclasses import dataclass

from models.fiscal.sefaz_client import OPERATIONS


@dataclass(frozen=True)
class SefazSettings:
    """How the service reaches SVRS (SEFAZ_BASE_URL, SEFAZ_CA_FILE, SEFAZ_TIMEOUT_SECONDS)."""

    # None: SVRS's published addresses for the environment (models/fiscal/sefaz_client.URLS).
    base_url: str | None = None
    ca_pem: str | None = None  # None: the system's CAs
    timeout_seconds: float = 30.0

    def urls(self) -> dict[str, str] | None:
        """Each service's URL under `base_url`, laid out as SVRS lays them out."""
        if self.base_url is None:
            return None
        return {name: f"{self.base_url}/WS/{name}/{name}.asmx" for name in OPERATIONS}
