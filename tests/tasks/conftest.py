"""Fixtures shared by the task tests."""

import pytest

from models.notices.settings import MailSettings
from tests.smtp_server import SmtpServer


@pytest.fixture
def smtp(override_settings):
    """A running SMTP server on loopback, and MailSettings pointing at it (quick retries)."""
    server = SmtpServer().start()
    override_settings(MailSettings, **server.smtp_settings(retry_base_s=0.5))
    yield server
    server.stop()
