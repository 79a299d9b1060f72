"""The API Pix client (placeholder of its interface until the adapter lands)."""

from dataclasses import dataclass


class PspError(Exception):
    def __init__(self, message: str, status: int | None = None, problem: dict | None = None):
        super().__init__(message)
        self.status, self.problem = status, problem or {}


class PspUnavailable(PspError):
    """Timeout, connection failure, 5xx or 429: retry later."""


class PspRejected(PspError):
    """Any other 4xx: do not retry."""


@dataclass(frozen=True)
class PspConfig:
    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    certificate_pem: str
    ca_pem: str | None = None
    timeout: float = 10.0


class PixApi:
    def __init__(self, config: PspConfig):
        self.config = config
