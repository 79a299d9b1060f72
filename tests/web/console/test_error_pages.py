"""A URL no route serves is a Portuguese page with the console's headers; under /api/ it stays
the API's JSON envelope."""

import pytest


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/nao-existe", 404), ("get", "/clientes/abc", 404), ("delete", "/clientes/1", 405)],
)
def test_outside_every_route_the_console_answers_a_page(client, method, path, status):
    answer = getattr(client, method)(path)
    assert answer.status_code == status
    assert answer.mimetype == "text/html"
    assert "Voltar à pesquisa" in answer.get_data(as_text=True)
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/api/v1/nao-existe", "/api/v1/customers/abc"])
def test_under_the_api_it_is_the_json_envelope(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.get_json()["code"] == "not_found"
    assert "Content-Security-Policy" not in answer.headers
