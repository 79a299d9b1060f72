"""A customer's other addresses [5.3]: filled in from the CEP, checked, changed, deleted."""

import pytest

from models.audit import set_actor
from models.customers.addresses import MAX_ADDRESSES, addresses_for, create_address
from models.customers.cep_provider import CepProvider
from models.db import db
from tests import cep_server
from tests.builders import BUILDER, build_cep, build_customer
from tests.cep_server import CepServer
from tests.web.api_helpers import API, assert_envelope

NO_PROVIDER = CepProvider(None)


def url(code: int, address_id: int | None = None) -> str:
    base = f"{API}/customers/{code}/addresses"
    return base if address_id is None else f"{base}/{address_id}"


def post(client, headers, code, **body):
    return client.post(url(code), json={"type": "installation", "cep": "01310-100", **body},
                       headers=headers)  # fmt: skip


def created(client, headers, code, **body) -> dict:
    response = post(client, headers, code, **body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def history(client, headers, code) -> list[dict]:
    body = client.get(f"{API}/customers/{code}/history", headers=headers).get_json()
    return [e for e in body["items"] if e["entity"] == "customer_addresses"]


def listed(client, headers, code) -> list[dict]:
    response = client.get(url(code), headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.fixture
def code(app) -> int:
    build_cep(app)  # 01310-100: Avenida Paulista, Bela Vista, São Paulo, SP
    return build_customer(app)


def test_parts_left_out_are_filled_in_from_the_cep(client, admin, code):
    response = post(client, admin, code, number="1578", unit_kind="sala", unit="12",
                    reference="Em frente ao MASP")  # fmt: skip
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/customers/{code}/addresses/{body['id']}")
    assert {k: v for k, v in body.items() if k not in ("id", "created_at", "updated_at")} == {
        "customer_code": code,
        "type": "installation",
        "cep": "01310-100",
        "street": "Avenida Paulista",
        "number": "1578",
        "unit_kind": "sala",
        "unit": "12",
        "complement": None,
        "district": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
        "reference": "Em frente ao MASP",
    }
    assert client.get(response.headers["Location"], headers=admin).get_json() == body
    assert listed(client, admin, code) == [body]


def test_parts_given_win_over_the_cep(client, admin, code):
    body = created(client, admin, code, cep="01310100", street="Alameda Santos",
                   city="Sampa", district=None, type="billing")  # fmt: skip
    assert (body["street"], body["city"], body["district"], body["state"]) == (
        "Alameda Santos", "Sampa", None, "SP")  # fmt: skip


def test_an_unknown_cep_needs_the_address_typed_in(client, admin, code):
    response = post(client, admin, code, cep="04538-133", number="10")
    body = assert_envelope(response, 422, "validation_error")
    assert set(body["errors"]) == {"street", "city", "state"}
    assert "not in the directory" in body["errors"]["street"][0]
    typed = created(client, admin, code, cep="04538-133", street="Avenida Faria Lima",
                    city="São Paulo", state="SP")  # fmt: skip
    assert typed["district"] is None and typed["cep"] == "04538-133"


def test_a_town_with_one_cep_needs_the_street(app, client, admin, code):
    build_cep(app, "78175000", street=None, district=None, city="Poconé", state="MT")
    body = assert_envelope(post(client, admin, code, cep="78175000"), 422, "validation_error")
    assert set(body["errors"]) == {"street"}
    address = created(client, admin, code, cep="78175000", street="Rua Principal")
    assert (address["city"], address["state"], address["district"]) == ("Poconé", "MT", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "casa de praia"}, "type"),
        ({"type": ""}, "type"),
        ({"cep": "0131010"}, "cep"),
        ({"cep": 1310100}, "cep"),
        ({"unit": "12"}, "unit_kind"),
        ({"unit_kind": "sala"}, "unit"),
        ({"unit_kind": "casa", "unit": "1"}, "unit_kind"),
        ({"state": "XX"}, "state"),
        ({"state": "sp"}, "state"),
        ({"street": "   "}, "street"),
        ({"street": None}, "street"),
        ({"number": "1" * 21}, "number"),
        ({"color": "blue"}, "color"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(client, admin, code, body, field):
    response = post(client, admin, code, **body)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert listed(client, admin, code) == []
    assert history(client, admin, code) == []


def test_type_and_cep_are_required(client, admin, code):
    response = client.post(url(code), json={"number": "1"}, headers=admin)
    errors = assert_envelope(response, 422, "validation_error")["errors"]
    assert set(errors) == {"type", "cep"}


def test_address_types_come_from_the_setting(build_app, admin, code):
    client = build_app(address_types=("obra",)).test_client()
    assert created(client, admin, code, type="obra")["type"] == "obra"
    response = post(client, admin, code, type="installation")
    assert "obra" in assert_envelope(response, 422, "validation_error")["errors"]["type"][0]


def test_a_change_is_saved_and_in_the_customers_history(client, admin, code):
    address = created(client, admin, code, number="1578")
    response = client.patch(url(code, address["id"]), json={"number": "1600", "city": "SP"},
                            headers=admin)  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["number"], response.get_json()["city"]) == ("1600", "SP")
    entries = history(client, admin, code)
    assert [e["action"] for e in entries] == ["update", "create"]
    assert {(c["field"], c["old"], c["new"]) for c in entries[0]["changes"]} == {
        ("number", "1578", "1600"),
        ("city", "São Paulo", "SP"),
    }
    created_changes = {c["field"]: c["new"] for c in entries[1]["changes"]}
    assert created_changes["cep"] == "01310-100"  # formatted, as the API shows it
    assert entries[0]["username"] == "admin.user"


def test_a_new_cep_refills_the_parts_not_given(app, client, admin, code):
    build_cep(app, "20040020", street="Avenida Rio Branco", district="Centro",
              city="Rio de Janeiro", state="RJ")  # fmt: skip
    address = created(client, admin, code, number="1")
    response = client.patch(url(code, address["id"]), json={"cep": "20040-020"}, headers=admin)
    body = response.get_json()
    assert (body["cep"], body["street"], body["district"], body["city"], body["state"]) == (
        "20040-020", "Avenida Rio Branco", "Centro", "Rio de Janeiro", "RJ")  # fmt: skip
    unknown = client.patch(url(code, address["id"]), json={"cep": "04538133", "street": "Rua X"},
                           headers=admin).get_json()  # fmt: skip
    assert (unknown["cep"], unknown["street"], unknown["city"]) == (
        "04538-133", "Rua X", "Rio de Janeiro")  # fmt: skip


def test_unit_and_unit_kind_go_together_in_a_change(client, admin, code):
    address = created(client, admin, code, unit_kind="apartamento", unit="31")
    one = url(code, address["id"])
    assert client.patch(one, json={"unit": "32"}, headers=admin).get_json()["unit"] == "32"
    response = client.patch(one, json={"unit": None}, headers=admin)
    assert "unit" in assert_envelope(response, 409, "conflict")["errors"]
    response = client.patch(one, json={"unit": None, "unit_kind": "sala"}, headers=admin)
    assert "unit" in assert_envelope(response, 422, "validation_error")["errors"]
    cleared = client.patch(one, json={"unit": None, "unit_kind": None}, headers=admin)
    assert (cleared.get_json()["unit"], cleared.get_json()["unit_kind"]) == (None, None)
    response = client.patch(one, json={"unit_kind": "sala"}, headers=admin)
    assert "unit_kind" in assert_envelope(response, 409, "conflict")["errors"]


@pytest.mark.parametrize(
    "body", [{}, {"type": "nope"}, {"street": None}, {"cep": "123"}, {"id": 5}]
)
def test_a_bad_change_is_a_422_and_changes_nothing(client, admin, code, body):
    address = created(client, admin, code)
    response = client.patch(url(code, address["id"]), json=body, headers=admin)
    assert_envelope(response, 422, "validation_error")
    assert client.get(url(code, address["id"]), headers=admin).get_json() == address


def test_a_deleted_address_is_gone_and_its_deletion_in_history(client, admin, code):
    address = created(client, admin, code)
    response = client.delete(url(code, address["id"]), headers=admin)
    assert response.status_code == 204
    assert_envelope(client.get(url(code, address["id"]), headers=admin), 404, "not_found")
    assert_envelope(client.delete(url(code, address["id"]), headers=admin), 404, "not_found")
    entries = history(client, admin, code)
    assert [(e["action"], e["entity_id"]) for e in entries] == [
        ("delete", str(address["id"])), ("create", str(address["id"]))]  # fmt: skip


def test_another_customers_address_is_not_found(app, client, admin, code):
    address = created(client, admin, code)
    other = build_customer(app)
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(url(other, address["id"]), json={"number": "2"},
                                           headers=admin)  # fmt: skip
        assert_envelope(response, 404, "not_found")
    assert_envelope(client.get(url(999, 1), headers=admin), 404, "not_found")
    assert_envelope(post(client, admin, 999), 404, "not_found")
    assert_envelope(client.get(url(999), headers=admin), 404, "not_found")
    assert_envelope(client.get(url(code, 2**40), headers=admin), 404, "not_found")


def test_a_customer_has_at_most_fifty_addresses(app, client, admin, code):
    with app.app_context():
        set_actor(db.session, BUILDER)
        for _ in range(MAX_ADDRESSES):
            create_address(code, {"type": "other", "cep": "01310100"}, ("other",), NO_PROVIDER)
        db.session.commit()
    assert len(listed(client, admin, code)) == MAX_ADDRESSES
    assert_envelope(post(client, admin, code), 409, "conflict")
    assert len(listed(client, admin, code)) == MAX_ADDRESSES


def test_addresses_for_loads_several_customers_in_one_query(app, client, admin, code):
    other = build_customer(app)
    first = created(client, admin, code)["id"]
    second = created(client, admin, other)["id"]
    third = created(client, admin, code, type="billing")["id"]
    with app.app_context():
        found = addresses_for([code, other, 999])
        assert {key: [a.id for a in value] for key, value in found.items()} == {
            code: [first, third], other: [second]}  # fmt: skip


# --- the online provider on a miss ------------------------------------------------------------


def test_a_miss_is_filled_in_by_the_provider_and_a_provider_down_is_a_503(build_app, admin, code):
    with CepServer() as server:
        client = build_app(cep_provider_url=server.url, cep_provider_timeout_s=0.5).test_client()
        body = created(client, admin, code, cep=cep_server.FOUND, number="3477")
        assert (body["street"], body["district"]) == ("Avenida Brigadeiro Faria Lima", "Itaim Bibi")
        response = post(client, admin, code, cep=cep_server.FAILING)
        assert_envelope(response, 503, "service_unavailable")
        typed = created(client, admin, code, cep=cep_server.FAILING, street="Rua A",
                        district="B", city="C", state="SP")  # fmt: skip
        assert typed["street"] == "Rua A"  # nothing to ask: the provider is left alone
        assert len(server.paths) == 2
    assert len(listed(client, admin, code)) == 2


def test_a_provider_down_never_blocks_an_address_whose_required_parts_were_typed(
    build_app, admin, code
):
    with CepServer() as server:
        client = build_app(cep_provider_url=server.url, cep_provider_timeout_s=0.5).test_client()
        typed = created(client, admin, code, cep=cep_server.FAILING, street="Rua A", city="C",
                        state="SP")  # fmt: skip
        assert (typed["street"], typed["district"]) == ("Rua A", None)
        response = post(client, admin, code, cep=cep_server.FAILING, street="Rua B")
        errors = assert_envelope(response, 503, "service_unavailable")["errors"]
        assert sorted(errors) == ["city", "state"]
        assert len(server.paths) == 2
    assert [a["street"] for a in listed(client, admin, code)] == ["Rua A"]


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "attendant"])
def test_admins_and_attendants_manage_addresses(client, headers_for, code, role):
    headers = headers_for(role)
    address = created(client, headers, code)
    one = url(code, address["id"])
    assert client.patch(one, json={"number": "9"}, headers=headers).status_code == 200
    assert client.get(one, headers=headers).status_code == 200
    assert client.delete(one, headers=headers).status_code == 204


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_finance_and_technicians_only_read_addresses(client, admin, headers_for, code, role):
    address = created(client, admin, code)
    one, headers = url(code, address["id"]), headers_for(role)
    assert listed(client, headers, code) == [address]
    assert client.get(one, headers=headers).get_json() == address
    assert_envelope(post(client, headers, code), 403, "forbidden")
    assert_envelope(client.patch(one, json={"number": "9"}, headers=headers), 403, "forbidden")
    assert_envelope(client.delete(one, headers=headers), 403, "forbidden")
    assert client.get(one, headers=admin).get_json() == address
