"""Fixtures shared by the task tests."""

import pytest

from tests.smtp_server import SmtpServer


@pytest.fixture
def smtp(app, monkeypatch):
    """A running SMTP server on loopback, and config["SMTP"] pointing at it (quick retries)."""
    server = SmtpServer().start()
    monkeypatch.setitem(app.config, "SMTP", server.smtp_settings(retry_base_s=0.5))
    yield server
    server.stop()
