"""Each telecom plan's NFCom data through the API: admins write, staff (not technicians) read,
the rates kept as sent, the rules of each CST and of the tax pairs enforced."""

import pytest

from tests.builders import build_plan
from tests.web.api_helpers import assert_envelope


def _url(plan_id: int) -> str:
    return f"/api/v1/plans/{plan_id}/fiscal"


def profile_body(**overrides) -> dict:
    body = {
        "classification": "0100101",
        "service_type": 4,
        "cfop": "5307",
        "icms_by_uf": {
            "SP": {"cst": "00", "rate": "25.00"},
            "MG": {"cst": "20", "rate": "18", "base_reduction": "33.33"},
            "RJ": {"cst": "40"},
            "PR": {"cst": "90"},
        },
        "pis_cst": "01",
        "pis_rate": "0.65",
        "cofins_cst": "01",
        "cofins_rate": "3.0000",
        "fust_rate": "1",
        "funttel_rate": "0.5",
        "ibs_cbs_cst": "000",
        "ibs_cbs_classification": "000001",
        "ibs_uf_rate": "0.1",
        "ibs_mun_rate": "0",
        "cbs_rate": "0.9",
    }
    return {**body, **overrides}


@pytest.fixture
def plan(app) -> int:
    return build_plan(app, "internet")


def test_an_admin_creates_then_replaces_the_profile(client, admin, plan):
    created = client.put(_url(plan), json=profile_body(), headers=admin)
    assert created.status_code == 201, created.get_json()
    shown = created.get_json()
    assert shown["plan_id"] == plan
    assert shown["icms_by_uf"]["SP"] == {"cst": "00", "rate": "25.00"}
    assert shown["icms_by_uf"]["MG"]["base_reduction"] == "33.33"
    assert shown["icms_by_uf"]["RJ"] == {"cst": "40"}
    assert (shown["pis_rate"], shown["cofins_rate"], shown["cbs_rate"]) == ("0.65", "3", "0.9")
    assert client.get(_url(plan), headers=admin).get_json() == shown
    replaced = client.put(_url(plan), json={**_minimal(), "cfop": None}, headers=admin)
    assert replaced.status_code == 200
    again = replaced.get_json()
    assert again["pis_cst"] is None and again["ibs_cbs_cst"] is None and again["cfop"] is None
    assert list(again["icms_by_uf"]) == ["SP"]


def _minimal() -> dict:
    return {
        "classification": "0100101",
        "service_type": 4,
        "icms_by_uf": {"SP": {"cst": "SN"}},
    }


def test_voip_plans_have_a_profile_too(app, client, admin):
    voip = build_plan(app, "voip")
    assert client.put(_url(voip), json=_minimal(), headers=admin).status_code == 201


def test_a_plan_without_a_profile_is_a_404_saying_so(client, admin, plan):
    body = assert_envelope(client.get(_url(plan), headers=admin), 404, "not_found")
    assert "dados fiscais" in body["message"]


def test_an_unknown_plan_is_a_404(client, admin):
    assert_envelope(client.get(_url(999_999), headers=admin), 404, "not_found")
    assert_envelope(client.put(_url(999_999), json=_minimal(), headers=admin), 404, "not_found")


@pytest.mark.parametrize("kind", ["email", "hosting"])
def test_a_plan_that_is_no_communication_service_is_a_409(app, client, admin, kind):
    other = build_plan(app, kind)
    assert_envelope(client.put(_url(other), json=_minimal(), headers=admin), 409, "conflict")
    assert_envelope(client.get(_url(other), headers=admin), 409, "conflict")


def _icms(entry: dict) -> dict:
    return {**_minimal(), "icms_by_uf": {"SP": entry}}


@pytest.mark.parametrize(
    "body, field",
    [
        (_icms({"cst": "00"}), "icms_by_uf"),  # 00 needs a rate
        (_icms({"cst": "20", "rate": "18"}), "icms_by_uf"),  # 20 needs its reduction
        (_icms({"cst": "40", "rate": "18"}), "icms_by_uf"),  # 40 has no rate
        (_icms({"cst": "SN", "rate": "4"}), "icms_by_uf"),
        (_icms({"cst": "00", "rate": "18", "base_reduction": "10"}), "icms_by_uf"),
        (_icms({"cst": "00", "rate": "100.01"}), "icms_by_uf"),
        (_icms({"cst": "00", "rate": "18.001"}), "icms_by_uf"),  # 2 decimals at most
        (_icms({"cst": "00", "rate": 18}), "icms_by_uf"),  # a string, never a number
        (_icms({"cst": "10", "rate": "18"}), "icms_by_uf"),
        ({**_minimal(), "icms_by_uf": {"XX": {"cst": "40"}}}, "icms_by_uf"),
        ({**_minimal(), "classification": "010010"}, "classification"),
        ({**_minimal(), "service_type": 8}, "service_type"),
        ({**_minimal(), "cfop": "530"}, "cfop"),
        ({**_minimal(), "pis_cst": "01"}, "pis_rate"),  # a pair: both or neither
        ({**_minimal(), "cofins_rate": "3"}, "cofins_rate"),
        ({**_minimal(), "pis_cst": "04", "pis_rate": "0"}, "pis_cst"),
        ({**_minimal(), "fust_rate": "1.00001"}, "fust_rate"),
        ({**_minimal(), "cbs_rate": "0.9"}, "cbs_rate"),  # needs cst and classification
        ({**_minimal(), "ibs_cbs_cst": "000"}, "ibs_cbs_classification"),
        ({**_minimal(), "ibs_cbs_cst": "00", "ibs_cbs_classification": "000001"}, "ibs_cbs_cst"),
        ({**_minimal(), "unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_a_422(client, admin, plan, body, field):
    refused = client.put(_url(plan), json=body, headers=admin)
    assert field in assert_envelope(refused, 422, "validation_error")["errors"]
    assert client.get(_url(plan), headers=admin).status_code == 404  # nothing stored


def test_changes_are_in_the_profiles_history(client, admin, plan):
    client.put(_url(plan), json=profile_body(), headers=admin)
    client.put(_url(plan), json={**profile_body(), "cfop": "5303"}, headers=admin)
    page = client.get(f"{_url(plan)}/history", headers=admin).get_json()
    assert [entry["action"] for entry in page["items"]] == ["update", "create"]
    assert {"field": "cfop", "old": "5307", "new": "5303"} in page["items"][0]["changes"]
    assert {entry["entity_id"] for entry in page["items"]} == {str(plan)}


@pytest.mark.parametrize("role", ["finance", "attendant"])
def test_finance_and_attendants_read_but_do_not_write(client, admin, headers_for, plan, role):
    client.put(_url(plan), json=profile_body(), headers=admin)
    assert client.get(_url(plan), headers=headers_for(role)).status_code == 200
    assert client.get(f"{_url(plan)}/history", headers=headers_for(role)).status_code == 200
    refused = client.put(_url(plan), json=profile_body(), headers=headers_for(role))
    assert_envelope(refused, 403, "forbidden")


def test_a_technician_neither_reads_nor_writes(client, admin, headers_for, plan):
    client.put(_url(plan), json=profile_body(), headers=admin)
    technician = headers_for("technician")
    assert_envelope(client.get(_url(plan), headers=technician), 403, "forbidden")
    assert_envelope(client.get(f"{_url(plan)}/history", headers=technician), 403, "forbidden")
    refused = client.put(_url(plan), json=profile_body(), headers=technician)
    assert_envelope(refused, 403, "forbidden")
