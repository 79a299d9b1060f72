"""GET /ceps/{cep}: the directory, and the online provider asked on a miss."""

import logging
import time

import pytest
from sqlalchemy import text

from models.customers import cep_provider
from models.customers.cep_provider import CepProvider, ProviderUnavailable
from models.db import db
from tests import cep_server
from tests.builders import build_cep
from tests.cep_server import CepServer
from tests.web.api_helpers import API, assert_envelope

TIMEOUT_S = 0.5


@pytest.fixture
def provider_server():
    with CepServer() as server:
        yield server


@pytest.fixture
def with_provider(build_app, provider_server):
    """A client of an app whose CEP_PROVIDER_URL is the local test provider."""
    app = build_app(cep_provider_url=provider_server.url, cep_provider_timeout_s=TIMEOUT_S)
    return app.test_client()


def stored_ceps(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(text("SELECT cep, city FROM ceps"))]


@pytest.mark.parametrize("written", ["01310100", "01310-100", "01.310-100"])
def test_a_known_cep_is_answered_from_the_directory(app, client, admin, written):
    build_cep(app, "01310100")
    response = client.get(f"{API}/ceps/{written}", headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "cep": "01310-100",
        "street": "Avenida Paulista",
        "district": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
    }


def test_a_town_with_one_cep_has_no_street_or_district(app, client, admin):
    build_cep(app, "78175000", street=None, district=None, city="Poconé", state="MT")
    body = client.get(f"{API}/ceps/78175000", headers=admin).get_json()
    assert body == {"cep": "78175-000", "street": None, "district": None, "city": "Poconé",
                    "state": "MT"}  # fmt: skip


@pytest.mark.parametrize("bad", ["0131010", "013101000", "0131010a", "00000000", "abc"])
def test_a_cep_that_is_not_8_digits_is_a_422(client, admin, bad):
    body = assert_envelope(client.get(f"{API}/ceps/{bad}", headers=admin), 422, "validation_error")
    assert "cep" in body["errors"]


def test_an_unknown_cep_is_a_404_without_a_provider(client, admin):
    assert_envelope(client.get(f"{API}/ceps/04538133", headers=admin), 404, "not_found")


@pytest.mark.parametrize("role", ["admin", "attendant", "finance", "technician"])
def test_every_role_looks_ceps_up(app, client, headers_for, role):
    build_cep(app)
    assert client.get(f"{API}/ceps/01310100", headers=headers_for(role)).status_code == 200


def test_a_lookup_needs_a_token(client):
    assert_envelope(client.get(f"{API}/ceps/01310100"), 401, "unauthorized")


# --- the online provider, through the API ---------------------------------------------------


def test_a_miss_is_asked_to_the_provider_and_its_answer_kept(
    app, with_provider, admin, provider_server
):
    first = with_provider.get(f"{API}/ceps/{cep_server.FOUND}", headers=admin)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "cep": "04538-133",
        "street": "Avenida Brigadeiro Faria Lima",
        "district": "Itaim Bibi",
        "city": "São Paulo",
        "state": "SP",
    }
    assert provider_server.paths == ["/ws/04538133/json/"]
    assert stored_ceps(app) == [("04538133", "São Paulo")]
    again = with_provider.get(f"{API}/ceps/04538-133", headers=admin)
    assert again.get_json() == first.get_json()
    assert len(provider_server.paths) == 1  # the directory answered


def test_a_cep_the_provider_does_not_know_is_a_404(app, with_provider, admin):
    response = with_provider.get(f"{API}/ceps/{cep_server.UNKNOWN}", headers=admin)
    assert_envelope(response, 404, "not_found")
    assert stored_ceps(app) == []


def test_the_directory_answers_before_the_provider(app, with_provider, admin, provider_server):
    build_cep(app, cep_server.FOUND, street="Rua Local")
    body = with_provider.get(f"{API}/ceps/{cep_server.FOUND}", headers=admin).get_json()
    assert body["street"] == "Rua Local"
    assert provider_server.paths == []


@pytest.mark.parametrize(
    "cep", [cep_server.SLOW, cep_server.FAILING, cep_server.GARBAGE, cep_server.MALFORMED]
)
def test_a_provider_that_cannot_answer_is_a_503_logged_without_the_cep(
    app, with_provider, admin, caplog, cep
):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="models.customers.cep_provider"):
        response = with_provider.get(f"{API}/ceps/{cep}", headers=admin)
    body = assert_envelope(response, 503, "service_unavailable")
    assert "provider" in body["message"]
    assert time.monotonic() - started < cep_server.SLOW_S  # the timeout cut the slow one short
    warnings = [r.getMessage() for r in caplog.records if r.name == "models.customers.cep_provider"]
    assert len(warnings) == 1 and "unavailable" in warnings[0]
    assert cep not in warnings[0] and cep[:5] not in warnings[0]
    assert stored_ceps(app) == []


def test_a_provider_that_is_down_is_a_503(build_app, admin):
    with CepServer() as server:
        url = server.url  # a port nobody listens on once the server has stopped
    client = build_app(cep_provider_url=url, cep_provider_timeout_s=TIMEOUT_S).test_client()
    assert_envelope(client.get(f"{API}/ceps/04538133", headers=admin), 503, "service_unavailable")


# --- the provider module on its own (no Flask) ----------------------------------------------


def test_fetch_reads_the_providers_answers(provider_server):
    provider = CepProvider(provider_server.url, TIMEOUT_S)
    assert cep_provider.fetch(provider, cep_server.FOUND) == {
        "cep": "04538133",
        "street": "Avenida Brigadeiro Faria Lima",
        "district": "Itaim Bibi",
        "city": "São Paulo",
        "state": "SP",
    }
    assert cep_provider.fetch(provider, cep_server.UNKNOWN) is None
    for cep in (cep_server.SLOW, cep_server.FAILING, cep_server.GARBAGE, cep_server.MALFORMED):
        with pytest.raises(ProviderUnavailable):
            cep_provider.fetch(provider, cep)


def test_an_answer_for_another_cep_is_not_trusted(provider_server):
    provider = CepProvider(provider_server.url, TIMEOUT_S)
    assert cep_provider._as_row({**cep_server.FOUND_ANSWER}, "01310100") is None
    assert cep_provider._as_row(["not", "an", "object"], "04538133") is None
    assert cep_provider.fetch(provider, cep_server.FOUND)["cep"] == "04538133"
