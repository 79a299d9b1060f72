"""Where notices are mailed from (built by web/config.py, read via models/settings)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server, the sender, and how sending is retried; no host: nothing is sent."""

    host: str | None = None
    port: int = 25
    tls: str = "none"  # none, starttls or ssl
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # a secret, never logged
    sender: str = "Provedor <cobranca@localhost>"
    timeout_s: float = 10.0
    max_attempts: int = 5
    # A notice `sending` for longer lost its worker (NOTICE_SENDING_LEASE_SECONDS).
    sending_lease_s: float = 900.0
    retry_base_s: float = 60.0  # first retry after this, then twice as long each time
