"""The NFCom issuer's settings through the API: admins write, finance and attendants read,
the A1 and its password never come back (not in the answer, not in the history)."""

import json
from datetime import datetime

import pytest

from models.db import db
from tests.fiscal_samples import A1_PASSWORD, ISSUER_CNPJ, NOT_AFTER
from tests.web.api_helpers import assert_envelope
from tests.web.fiscal.helpers import SETTINGS, issuer_address, settings_body, with_a1


def _put(client, headers, body, status=200):
    response = client.put(SETTINGS, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _refused(client, headers, body):
    return client.put(SETTINGS, json=body, headers=headers)


def test_new_settings_are_empty_inactive_and_say_what_is_missing(app, client, admin):
    shown = client.get(SETTINGS, headers=admin).get_json()
    with app.app_context():  # reading them wrote nothing: no row until someone saves one
        assert db.session.scalar(db.text("SELECT count(*) FROM fiscal_settings")) == 0
    assert shown["active"] is False
    assert shown["environment"] == "homologacao"
    assert shown["has_certificate"] is False
    assert shown["next_number"] == 1
    assert "cnpj" in shown["missing"] and "certificate" in shown["missing"]
    assert shown["address"]["city_code"] is None


def test_an_admin_fills_in_the_issuer_and_installs_the_a1(client, admin):
    shown = _put(client, admin, with_a1(settings_body()))
    assert shown["cnpj"] == "11.222.333/0001-81"
    assert shown["address"] == {**issuer_address(), "cep": "01504-000"}
    assert shown["phone"] == "(11) 3333-4444"
    assert shown["has_certificate"] is True
    assert shown["certificate_cnpj"] == "11.222.333/0001-81"
    assert datetime.fromisoformat(shown["certificate_valid_until"]) == NOT_AFTER
    assert shown["missing"] == []
    assert "certificate" not in shown and "certificate_password" not in shown
    assert A1_PASSWORD not in json.dumps(shown)
    again = client.get(SETTINGS, headers=admin).get_json()
    assert again == shown


def test_a_put_without_a_certificate_keeps_the_installed_one(client, admin):
    _put(client, admin, with_a1(settings_body()))
    shown = _put(client, admin, settings_body(active=True, trade_name=None))
    assert shown["has_certificate"] is True
    assert shown["active"] is True
    assert shown["trade_name"] is None  # a PUT replaces: what is left out is cleared


def test_activating_with_data_missing_is_refused_naming_it(client, admin):
    body = assert_envelope(
        client.put(SETTINGS, json=settings_body(active=True, ie=None), headers=admin),
        422,
        "validation_error",
    )
    assert {"ie", "certificate"} <= set(body["errors"])
    assert client.get(SETTINGS, headers=admin).get_json()["active"] is False


@pytest.mark.parametrize(
    "a1, reason",
    [
        ({"password": "outra-senha"}, "senha"),
        ({"not_after": datetime(2026, 6, 1, tzinfo=NOT_AFTER.tzinfo)}, "venc"),
        ({"cnpj": "11444777000161"}, "outra empresa"),
    ],
    ids=["wrong-password", "expired", "another-company"],
)
def test_a_bad_certificate_is_refused_with_the_reason(client, admin, a1, reason):
    body = with_a1(settings_body(), **a1)
    if "password" in a1:
        body["certificate_password"] = A1_PASSWORD  # not the file's
    refused = assert_envelope(_refused(client, admin, body), 422, "validation_error")
    assert reason in refused["message"].lower()
    assert "certificate" in refused["errors"]
    assert client.get(SETTINGS, headers=admin).get_json()["has_certificate"] is False


def test_a_file_that_is_not_pkcs12_is_refused(client, admin):
    body = {**settings_body(), "certificate": "bm90IGEgY2VydA==", "certificate_password": "x"}
    refused = assert_envelope(_refused(client, admin, body), 422, "validation_error")
    assert "PKCS#12" in refused["message"]


def test_a_certificate_without_its_password_is_refused(client, admin):
    body = with_a1(settings_body())
    del body["certificate_password"]
    refused = assert_envelope(_refused(client, admin, body), 422, "validation_error")
    assert "certificate_password" in refused["errors"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("cnpj", "11.222.333/0001-82"),  # check digit
        ("ie", "ISENTO"),
        ("ie", "1"),
        ("regime", 4),
        ("environment", "teste"),
        ("series", 1000),
        ("next_number", 0),
        ("qr_code_base", "http://dfe-portal.svrs.rs.gov.br/NFCom/qrcode"),
        ("certificate", "não é base64"),
        ("address", issuer_address(city_code="355030")),
        ("address", issuer_address(city_code="3304557")),  # Rio de Janeiro, in SP
        ("address", issuer_address(cep="0150400")),
        ("unknown", 1),
    ],
)
def test_bad_input_is_a_422(client, admin, field, value):
    refused = client.put(SETTINGS, json=settings_body(**{field: value}), headers=admin)
    body = assert_envelope(refused, 422, "validation_error")
    assert field in body["errors"]


def test_next_number_is_per_environment_and_series_and_only_forward_once_used(app, client, admin):
    assert _put(client, admin, settings_body(next_number=120))["next_number"] == 120
    assert _put(client, admin, settings_body())["next_number"] == 120  # left out: unchanged
    assert _put(client, admin, settings_body(next_number=100))["next_number"] == 100  # unused
    production = _put(client, admin, settings_body(environment="producao"))
    assert production["next_number"] == 1  # its own counter: homologação took nothing from it
    _put(client, admin, settings_body(environment="homologacao"))
    _number_used(app, "homologacao", 1, 100)
    refused = client.put(SETTINGS, json=settings_body(next_number=99), headers=admin)
    assert "next_number" in assert_envelope(refused, 409, "conflict")["errors"]
    assert client.get(SETTINGS, headers=admin).get_json()["next_number"] == 100
    assert _put(client, admin, settings_body(next_number=150))["next_number"] == 150


def _number_used(app, environment: str, series: int, number: int) -> None:
    """An invoice of the series under `number` (as issuing leaves one)."""
    from models.billing.receivables import Receivable
    from models.fiscal.invoices import Invoice
    from tests.builders import build_receivable

    receivable_id = build_receivable(app)
    with app.app_context():
        code = db.session.get(Receivable, receivable_id).customer_code
        db.session.add(
            Invoice(
                receivable_id=receivable_id,
                customer_code=code,
                status="authorized",
                environment=environment,
                series=series,
                number=number,
            )
        )
        db.session.commit()


def test_the_history_never_shows_the_certificate_or_its_password(client, admin):
    _put(client, admin, with_a1(settings_body()))
    _put(client, admin, with_a1(settings_body(name="PROVEDOR TESTE LTDA ME")))
    page = client.get(f"{SETTINGS}/history", headers=admin).get_json()
    assert page["total"] >= 2
    text = json.dumps(page)
    assert A1_PASSWORD not in text
    changes = {c["field"]: c for entry in reversed(page["items"]) for c in entry["changes"]}
    assert changes["name"]["new"] == "PROVEDOR TESTE LTDA ME"
    for secret in ("certificate_encrypted", "certificate_password_encrypted"):
        assert changes[secret]["new"] == "***"
    assert ISSUER_CNPJ in text  # the rest is there


@pytest.mark.parametrize("role", ["finance", "attendant"])
def test_finance_and_attendants_read_but_do_not_write(client, admin, headers_for, role):
    _put(client, admin, with_a1(settings_body()))
    shown = client.get(SETTINGS, headers=headers_for(role))
    assert shown.status_code == 200 and shown.get_json()["has_certificate"] is True
    history = client.get(f"{SETTINGS}/history", headers=headers_for(role))
    assert history.status_code == 200 and history.get_json()["total"] >= 1
    refused = client.put(SETTINGS, json=settings_body(), headers=headers_for(role))
    assert_envelope(refused, 403, "forbidden")


def test_a_technician_neither_reads_nor_writes(client, headers_for):
    technician = headers_for("technician")
    assert_envelope(client.get(SETTINGS, headers=technician), 403, "forbidden")
    assert_envelope(client.get(f"{SETTINGS}/history", headers=technician), 403, "forbidden")
    refused = client.put(SETTINGS, json=settings_body(), headers=technician)
    assert_envelope(refused, 403, "forbidden")


def test_the_settings_need_a_token(client):
    assert client.get(SETTINGS).status_code == 401
    assert client.put(SETTINGS, json=settings_body()).status_code == 401
