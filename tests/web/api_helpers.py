"""Helpers for the tests of cross-cutting API behaviour."""

API = "/api/v1"


def assert_envelope(response, status, code):
    """The response is the whole error envelope, with `status` and `code`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"status", "code", "message", "errors"}, body
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["errors"], dict)
    return body
