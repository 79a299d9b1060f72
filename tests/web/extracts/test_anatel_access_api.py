"""Anatel's access report at the API's door: who may ask for it, which months, the ISP's CNPJ,
and the accesses it cannot place (listed for staff, and a 409 until they are fixed)."""

from datetime import UTC, datetime

import pytest
import time_machine

from models.audit import Actor, set_actor
from models.db import db
from models.extracts.exports import Export
from models.fiscal.fiscal_settings import save_settings
from tests.builders import build_customer, build_plan, build_subscription
from tests.fiscal_samples import ISSUER_CNPJ
from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import address

REPORT = f"{API}/reports/anatel-access"
MISSING = f"{REPORT}/missing-data"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 09:00 in São Paulo, 1 December
SAO_PAULO = "3550308"
COMPLETE = {
    "access_medium": "fibra",
    "technology": "FTTH",
    "product": "internet",
}


@pytest.fixture(autouse=True)
def _on_the_first_of_december():
    with time_machine.travel(NOW, tick=True):
        yield


def configure_cnpj(app) -> None:
    with app.app_context():
        set_actor(db.session, Actor(username="test-builder", by_system=True))
        save_settings({"cnpj": ISSUER_CNPJ}, NOW)
        db.session.commit()


def exports_made(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Export.id)))


def access(app, plan_fields=None, city_code=SAO_PAULO) -> int:
    """An internet subscription made in October, its customer's address coded or not."""
    with time_machine.travel(datetime(2026, 10, 10, 15, 0, tzinfo=UTC), tick=False):
        customer = build_customer(app, address=address(city_code=city_code))
        plan = build_plan(app, **(COMPLETE if plan_fields is None else plan_fields))
        return build_subscription(app, customer, plan)


@pytest.mark.parametrize(
    ("role", "status"), [("technician", 403), ("attendant", 403), ("finance", 202)]
)
def test_admins_and_finance_make_it_others_do_not(app, client, headers_for, role, status):
    configure_cnpj(app)
    access(app)
    response = client.post(REPORT, json={"month": "2026-11"}, headers=headers_for(role))
    assert response.status_code == status, response.get_json()
    assert exports_made(app) == (1 if status == 202 else 0)
    if status == 202:
        job = response.get_json()
        assert job["status"] == "queued" and job["source"] == "anatel_access"
        assert response.headers["Location"] == f"{API}/exports/{job['id']}"


@pytest.mark.parametrize(
    "body",
    [
        {"month": "2026-13"},
        {"month": "2026-1"},
        {"month": "26-11"},
        {"month": "novembro"},
        {"month": ""},
        {"month": 202611},
        {},
        {"month": "2026-11", "format": "xlsx"},
    ],
)
def test_a_malformed_month_is_422(app, client, admin, body):
    configure_cnpj(app)
    assert_envelope(client.post(REPORT, json=body, headers=admin), 422, "validation_error")
    assert exports_made(app) == 0


@pytest.mark.parametrize("month", ["2026-12", "2027-01", "2031-06", "1999-12"])
def test_a_month_not_over_yet_or_before_2000_is_422(app, client, admin, month):
    configure_cnpj(app)
    response = client.post(REPORT, json={"month": month}, headers=admin)
    assert_envelope(response, 422, "validation_error")
    assert "month" in response.get_json()["errors"]
    assert exports_made(app) == 0


def test_the_last_month_is_over_only_at_local_midnight(app, client, admin):
    configure_cnpj(app)
    access(app)
    # 02:59 UTC on 1 December is still 30 November, 23:59, in São Paulo.
    with time_machine.travel(datetime(2026, 12, 1, 2, 59, tzinfo=UTC), tick=False):
        early = client.post(REPORT, json={"month": "2026-11"}, headers=admin)
    assert_envelope(early, 422, "validation_error")
    with time_machine.travel(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), tick=False):
        assert client.post(REPORT, json={"month": "2026-11"}, headers=admin).status_code == 202


def test_without_the_isp_s_cnpj_it_is_409_and_says_where_to_set_it(app, client, admin):
    access(app)
    response = client.post(REPORT, json={"month": "2026-11"}, headers=admin)
    assert_envelope(response, 409, "conflict")
    assert "CNPJ" in response.get_json()["message"]
    assert "fiscal/settings" in response.get_json()["message"]
    assert exports_made(app) == 0


def test_accesses_it_cannot_place_are_listed_and_block_the_month(app, client, headers_for):
    configure_cnpj(app)
    placed = access(app)
    no_code = access(app, city_code=None)
    no_technology = access(app, plan_fields={"access_medium": "radio", "product": "internet"})
    attendant = headers_for("attendant")

    listed = client.get(MISSING, headers=attendant)
    assert listed.status_code == 200, listed.get_json()
    problems = {item["subscription_id"]: item["problems"] for item in listed.get_json()["items"]}
    assert problems == {
        no_code: ["endereço de instalação sem código IBGE do município"],
        no_technology: ["plano sem tecnologia"],
    }
    assert placed not in problems
    assert listed.get_json()["total"] == 2

    refused = client.post(REPORT, json={"month": "2026-11"}, headers=headers_for("finance"))
    assert_envelope(refused, 409, "conflict")
    assert "missing-data?month=2026-11" in refused.get_json()["message"]
    assert exports_made(app) == 0
    # September's end had none of them yet: nothing lacks data there.
    september = client.get(MISSING, query_string={"month": "2026-09"}, headers=attendant)
    assert september.get_json()["total"] == 0


def test_the_missing_data_list_is_closed_to_technicians_and_checks_its_month(client, headers_for):
    assert client.get(MISSING, headers=headers_for("technician")).status_code == 403
    bad = client.get(MISSING, query_string={"month": "2026-13"}, headers=headers_for("finance"))
    assert_envelope(bad, 422, "validation_error")
    future = client.get(MISSING, query_string={"month": "2027-01"}, headers=headers_for("admin"))
    assert_envelope(future, 422, "validation_error")
