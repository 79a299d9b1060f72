"""GET /fiscal/missing-data: the customers billed for a telecom plan whose NFCom would be
refused, each with what is missing, for the attendant to fix before billing day."""

import pytest
from sqlalchemy import event

from models.db import db
from tests.builders import build_customer, build_plan, build_subscription
from tests.web.api_helpers import assert_envelope
from tests.web.customer_payloads import URL as CUSTOMERS
from tests.web.customer_payloads import address

MISSING = "/api/v1/fiscal/missing-data"
SAO_PAULO = "3550308"


def _profile(client, admin, plan_id: int, *ufs: str) -> None:
    body = {
        "classification": "0100101",
        "service_type": 4,
        "icms_by_uf": {uf: {"cst": "00", "rate": "18"} for uf in ufs},
    }
    answer = client.put(f"/api/v1/plans/{plan_id}/fiscal", json=body, headers=admin)
    assert answer.status_code in (200, 201), answer.get_json()


def _ready(app, plan_id: int, **fields) -> int:
    """A customer with the whole address (IBGE code too) subscribed to `plan_id`."""
    code = build_customer(app, address=address(city_code=SAO_PAULO), **fields)
    build_subscription(app, code, plan_id)
    return code


def _listed(client, headers, **query) -> dict:
    answer = client.get(MISSING, query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _problems(page: dict) -> dict[int, list[str]]:
    return {item["code"]: item["problems"] for item in page["items"]}


@pytest.fixture
def plan(app, client, admin) -> int:
    plan_id = build_plan(app, "internet", name="Fibra 500")
    _profile(client, admin, plan_id, "SP")
    return plan_id


def test_customers_who_can_be_invoiced_are_not_listed(app, client, admin, plan):
    _ready(app, plan)
    assert _listed(client, admin) == {"items": [], "total": 0, "page": 1, "per_page": 50}


def test_an_address_without_the_ibge_code_is_listed(app, client, admin, plan):
    code = build_customer(app, name="Maria Sem Código")
    build_subscription(app, code, plan)
    page = _listed(client, admin)
    assert page["items"] == [
        {
            "code": code,
            "name": "Maria Sem Código",
            "problems": ["O endereço não tem: código IBGE do município."],
        }
    ]


def test_a_plan_without_fiscal_data_or_without_icms_for_the_state(app, client, admin, plan):
    bare = build_plan(app, "voip", name="Telefone")
    no_rj = _ready(app, bare)
    moved = _ready(app, plan)
    changes = {"address": {"state": "RJ", "city": "Rio de Janeiro", "city_code": "3304557"}}
    assert client.patch(f"{CUSTOMERS}/{moved}", json=changes, headers=admin).status_code == 200
    problems = _problems(_listed(client, admin))
    assert problems == {
        no_rj: ["O plano Telefone não tem dados fiscais (classificação e impostos)."],
        moved: ["O plano Fibra 500 não tem ICMS para RJ."],
    }
    _profile(client, admin, bare, "SP")
    _profile(client, admin, plan, "SP", "RJ")
    assert _listed(client, admin)["total"] == 0


def test_every_problem_of_a_customer_is_said_once(app, client, admin, plan):
    bare = build_plan(app, "internet", name="Rádio")
    code = build_customer(app)
    for plan_id in (plan, bare, bare):
        build_subscription(app, code, plan_id)
    assert _problems(_listed(client, admin)) == {
        code: [
            "O endereço não tem: código IBGE do município.",
            "O plano Rádio não tem dados fiscais (classificação e impostos).",
        ]
    }


def test_only_subscriptions_billed_for_a_telecom_plan(app, client, admin, plan):
    mail = build_plan(app, "email")
    build_subscription(app, build_customer(app), mail)  # e-mail is no NFCom's
    suspended = build_subscription(app, build_customer(app), plan)
    cancelled = build_subscription(app, build_customer(app), plan)
    api = "/api/v1/subscriptions"
    assert client.post(f"{api}/{suspended}/suspend", headers=admin).status_code == 200
    body = {"cancel_reason": "Outros"}
    gone = client.post(f"{api}/{cancelled}/cancel", json=body, headers=admin)
    assert gone.status_code == 200, gone.get_json()
    still_billed = client.get(f"{api}/{suspended}", headers=admin).get_json()["customer_code"]
    assert set(_problems(_listed(client, admin))) == {still_billed}


def test_pages_by_code_with_the_total(app, client, admin, plan):
    codes = []
    for _ in range(5):
        code = build_customer(app)
        build_subscription(app, code, plan)
        codes.append(code)
    first = _listed(client, admin, per_page=2)
    second = _listed(client, admin, per_page=2, page=3)
    assert [item["code"] for item in first["items"]] == codes[:2]
    assert [item["code"] for item in second["items"]] == codes[4:]
    assert first["total"] == second["total"] == 5


def test_the_list_is_read_in_a_few_queries_whatever_its_length(app, client, admin, plan):
    for _ in range(6):
        build_subscription(app, build_customer(app), plan)
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert len(_listed(client, admin)["items"]) == 6
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 3 <= len(statements) <= 8, len(
        statements
    )  # the token, the profiles, the total, the page, its rows


@pytest.mark.parametrize("query", [{"per_page": 201}, {"per_page": 0}, {"page": 0}])
def test_bad_paging_is_a_422(client, admin, query):
    assert_envelope(client.get(MISSING, query_string=query, headers=admin), 422, "validation_error")


@pytest.mark.parametrize("role", ["attendant", "finance"])
def test_attendants_and_finance_read_it(app, client, headers_for, plan, role):
    build_subscription(app, build_customer(app), plan)
    assert _listed(client, headers_for(role))["total"] == 1


def test_a_technician_does_not(client, headers_for):
    assert_envelope(client.get(MISSING, headers=headers_for("technician")), 403, "forbidden")


@pytest.mark.parametrize("suffix", ["", ".pdf", ".xml"])
def test_the_invoice_of_a_receivable_key_beyond_integer_is_not_found(client, admin, suffix):
    """2**63 would overflow SQLite's INTEGER in the query: it is a 404, like any unknown key."""
    response = client.get(f"/api/v1/receivables/{2**63}/invoice{suffix}", headers=admin)
    assert response.status_code == 404, response.json
