"""What the adapters to outside services (PSPs, SEFAZ) say of a failed HTTP request."""

import requests


def transport_failure(error: requests.RequestException) -> str:
    """What went wrong on the wire, without the URL (its query may hold a secret) or any
    header: safe for a log line or an error a caller shows."""
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS failure"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return type(error).__name__
