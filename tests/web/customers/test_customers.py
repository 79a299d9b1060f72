"""The customer record through the API: create, read, change, deactivate, validation, roles."""

import pytest

from tests.builders import build_subscription
from tests.web.api_helpers import API
from tests.web.customer_payloads import (
    URL,
    address,
    all_customers,
    as_listed,
    assert_error,
    create,
    error_fields,
    format_cnpj,
    format_cpf,
    new_cnpj,
    new_cpf,
    pf_payload,
    pj_payload,
    wrong_check_digit,
)


def _get(client, headers, code: int) -> dict:
    response = client.get(f"{URL}/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- create and read ------------------------------------------------------------------------


def test_create_pf_assigns_code_and_returns_the_record(client, admin):
    cpf = new_cpf()
    response = client.post(URL, json=pf_payload(cpf=cpf), headers=admin)

    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["code"], int) and body["code"] > 0
    assert response.headers["Location"] == f"{URL}/{body['code']}"
    assert body["active"] is True
    assert body["kind"] == "PF"
    assert body["name"] == "Maria Aparecida Souza"
    assert body["cpf"] == format_cpf(cpf)
    assert body["cnpj"] is None
    assert body["trade_name"] is None and body["state_registration"] is None
    assert body["created_at"]
    assert _get(client, admin, body["code"]) == body


def test_codes_are_sequential_and_assigned_by_the_system(client, admin):
    first = create(client, admin, pf_payload())
    second = create(client, admin, pj_payload())
    third = create(client, admin, pf_payload())

    assert [second["code"], third["code"]] == [first["code"] + 1, first["code"] + 2]
    # A client cannot choose the code.
    assert_error(client.post(URL, json=pf_payload(code=999), headers=admin), 422, "code")
    assert len(all_customers(client, admin)) == 3


@pytest.mark.parametrize(
    ("given", "shown"),
    [("529.982.247-25", "529.982.247-25"), ("52998224725", "529.982.247-25")],
)
def test_cpf_with_or_without_punctuation_is_shown_formatted(client, admin, given, shown):
    body = create(client, admin, pf_payload(cpf=given))
    assert body["cpf"] == shown
    assert _get(client, admin, body["code"])["cpf"] == shown


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("11.222.333/0001-81", "11.222.333/0001-81"),
        ("11222333000181", "11.222.333/0001-81"),
        ("12.ABC.345/01DE-35", "12.ABC.345/01DE-35"),
        ("12abc34501de35", "12.ABC.345/01DE-35"),
    ],
)
def test_pj_cnpj_numeric_or_alphanumeric_is_shown_formatted(client, admin, given, shown):
    body = create(client, admin, pj_payload(cnpj=given))
    assert body["kind"] == "PJ"
    assert body["cnpj"] == shown
    assert body["cpf"] is None
    assert body["trade_name"] == "Pão Quente"
    assert body["state_registration"] == "110.042.490.114"
    assert _get(client, admin, body["code"])["cnpj"] == shown


def test_cep_phones_and_email_are_normalised(client, admin):
    payload = pf_payload(
        address=address(cep="01310100"),
        phone="1133334444",
        mobile="+55 11 98765-4321",
        fax="(21)2222-3333",
        email="Maria.Souza@Example.COM",
    )
    body = create(client, admin, payload)

    assert body["address"]["cep"] == "01310-100"
    assert body["address"]["state"] == "SP"
    assert body["phone"] == "(11) 3333-4444"
    assert body["mobile"] == "(11) 98765-4321"
    assert body["fax"] == "(21) 2222-3333"
    assert body["email"] == "maria.souza@example.com"
    assert _get(client, admin, body["code"]) == body


def test_address_is_returned_whole_and_billing_address_null_when_absent(client, admin):
    body = create(client, admin, pf_payload())
    assert body["address"] == {**address(), "city_code": None}  # the IBGE code is optional
    assert body["billing_address"] is None


def test_the_other_kinds_fields_may_be_sent_as_null(client, admin):
    pf = create(client, admin, pf_payload(cnpj=None, trade_name=None, state_registration=None))
    assert pf["cnpj"] is None and pf["trade_name"] is None
    pj = create(client, admin, pj_payload(cpf=None))
    assert pj["cpf"] is None


def test_notes_keep_tabs_and_line_breaks(client, admin):
    notes = "Portão azul.\n\tInterfone 12.\r\nCuidado com o cão."
    body = create(client, admin, pf_payload(notes=f"  {notes}\n"))
    assert body["notes"] == notes
    assert _get(client, admin, body["code"])["notes"] == notes


def test_billing_address_given_on_create(client, admin):
    billing = address(street="Rua da Cobrança", number="7", city="Campinas", cep="13010-000")
    body = create(client, admin, pf_payload(billing_address=billing))
    assert body["billing_address"] == {**billing, "city_code": None}
    assert body["address"] == {**address(), "city_code": None}


def test_get_unknown_customer_is_404_envelope(client, admin):
    body = assert_error(client.get(f"{URL}/999999", headers=admin), 404)
    assert body["code"] == "not_found"
    assert body["errors"] == {}


def test_there_is_no_delete(client, admin):
    customer = create(client, admin, pf_payload())
    response = client.delete(f"{URL}/{customer['code']}", headers=admin)
    assert_error(response, 405)
    assert _get(client, admin, customer["code"]) == customer


# --- validation on create: 422 naming the field, nothing stored --------------------------------


def _without(payload: dict, *keys: str) -> dict:
    return {key: value for key, value in payload.items() if key not in keys}


INVALID_CREATES = {
    "cpf check digits": (lambda: pf_payload(cpf=wrong_check_digit(new_cpf())), "cpf"),
    "cpf all equal digits": (lambda: pf_payload(cpf="111.111.111-11"), "cpf"),
    "cpf too short": (lambda: pf_payload(cpf="529.982.247-2"), "cpf"),
    "cnpj check digits": (lambda: pj_payload(cnpj=wrong_check_digit(new_cnpj())), "cnpj"),
    "alnum cnpj check digits": (lambda: pj_payload(cnpj="12.ABC.345/01DE-36"), "cnpj"),
    "cpf on a PJ": (lambda: _without(pj_payload(cpf=new_cpf()), "cnpj"), "cpf"),
    "cpf and cnpj on a PJ": (lambda: pj_payload(cpf=new_cpf()), "cpf"),
    "cnpj on a PF": (lambda: _without(pf_payload(cnpj=new_cnpj()), "cpf"), "cnpj"),
    "cnpj and cpf on a PF": (lambda: pf_payload(cnpj=new_cnpj()), "cnpj"),
    "trade_name on a PF": (lambda: pf_payload(trade_name="Loja da Maria"), "trade_name"),
    "state_registration on a PF": (
        lambda: pf_payload(state_registration="110.042.490.114"),
        "state_registration",
    ),
    "missing cpf for PF": (lambda: _without(pf_payload(), "cpf"), "cpf"),
    "null cpf for PF": (lambda: pf_payload(cpf=None), "cpf"),
    "missing cnpj for PJ": (lambda: _without(pj_payload(), "cnpj"), "cnpj"),
    "cep 7 digits": (lambda: pf_payload(address=address(cep="1310-100")), "address.cep"),
    "cep 9 digits": (lambda: pf_payload(address=address(cep="013101000")), "address.cep"),
    "cep letters": (lambda: pf_payload(address=address(cep="01310-1AB")), "address.cep"),
    "cep as a number": (lambda: pf_payload(address=address(cep=1310100)), "address.cep"),
    "unknown uf": (lambda: pf_payload(address=address(state="XX")), "address.state"),
    "lower-case uf": (lambda: pf_payload(address=address(state="sp")), "address.state"),
    "cep after a blank": (lambda: pf_payload(address=address(cep=" 01310-100")), "address.cep"),
    "cpf with doubled punctuation": (lambda: pf_payload(cpf="529..982.247-25"), "cpf"),
    "billing unknown uf": (
        lambda: pf_payload(billing_address=address(state="ZZ")),
        "billing_address.state",
    ),
    "billing missing parts": (
        lambda: pf_payload(billing_address={"city": "Campinas"}),
        "billing_address.street",
    ),
    "bad email": (lambda: pf_payload(email="maria.example.com"), "email"),
    "bad email domain": (lambda: pf_payload(email="maria@"), "email"),
    "email with blanks around": (lambda: pf_payload(email=" maria@example.com "), "email"),
    "bad phone": (lambda: pf_payload(phone="1234"), "phone"),
    "unknown field": (lambda: pf_payload(nickname="Mari"), "nickname"),
    "unknown address part": (
        lambda: pf_payload(address={**address(), "floor": "3"}),
        "address.floor",
    ),
    "missing name": (lambda: _without(pf_payload(), "name"), "name"),
    "missing kind": (lambda: _without(pf_payload(), "kind"), "kind"),
    "unknown kind": (lambda: pf_payload(kind="PX"), "kind"),
    "missing address": (lambda: _without(pf_payload(), "address"), "address"),
    "address missing street": (
        lambda: pf_payload(address=_without(address(), "street")),
        "address.street",
    ),
    "name too short": (lambda: pf_payload(name="A"), "name"),
    "name blank": (lambda: pf_payload(name="   "), "name"),
    "name one letter among blanks": (lambda: pf_payload(name=" M "), "name"),
    "control characters in a name": (lambda: pf_payload(name="Ful\u0007ano\u001b[31m"), "name"),
    "line break in a name": (lambda: pf_payload(name="Maria\nSouza"), "name"),
    "DEL in a street": (lambda: pf_payload(address=address(street="Rua\x7f")), "address.street"),
    "C1 control in a city": (lambda: pf_payload(address=address(city="S\x85o")), "address.city"),
    "tab in a trade name": (lambda: pj_payload(trade_name="Pão\tQuente"), "trade_name"),
    "escape in notes": (lambda: pf_payload(notes="ok\u001b[2J"), "notes"),
    "line separator in a name": (lambda: pf_payload(name="Maria\u2028Souza"), "name"),
}


@pytest.mark.parametrize("case", INVALID_CREATES, ids=list(INVALID_CREATES))
def test_invalid_create_is_422_naming_the_field_and_stores_nothing(client, admin, case):
    build, field = INVALID_CREATES[case]
    body = assert_error(client.post(URL, json=build(), headers=admin), 422, field)
    assert body["code"] == "validation_error"
    assert all_customers(client, admin) == []


def test_empty_body_names_every_required_field(client, admin):
    body = assert_error(client.post(URL, json={}, headers=admin), 422)
    assert {"kind", "name", "address"} <= error_fields(body)
    assert all_customers(client, admin) == []


def test_body_that_is_not_an_object_is_rejected(client, admin):
    response = client.post(URL, json=["not", "an", "object"], headers=admin)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)
    assert all_customers(client, admin) == []


# --- duplicates -------------------------------------------------------------------------------


@pytest.mark.parametrize("punctuated", [True, False])
def test_duplicate_cpf_is_409_in_any_punctuation(client, admin, punctuated):
    cpf = new_cpf()
    stored, again = (cpf, format_cpf(cpf)) if punctuated else (format_cpf(cpf), cpf)
    first = create(client, admin, pf_payload(cpf=stored))
    body = assert_error(client.post(URL, json=pf_payload(cpf=again), headers=admin), 409, "cpf")
    assert body["code"] == "conflict"
    assert [c["code"] for c in all_customers(client, admin)] == [first["code"]]


def test_duplicate_cnpj_is_409_including_alphanumeric_in_lower_case(client, admin):
    first = create(client, admin, pj_payload(cnpj="12.ABC.345/01DE-35"))
    response = client.post(URL, json=pj_payload(cnpj="12abc34501de35"), headers=admin)
    assert_error(response, 409, "cnpj")
    cnpj = new_cnpj()
    second = create(client, admin, pj_payload(cnpj=cnpj))
    assert_error(client.post(URL, json=pj_payload(cnpj=format_cnpj(cnpj)), headers=admin), 409)
    codes = [c["code"] for c in all_customers(client, admin)]
    assert codes == [first["code"], second["code"]]


def test_duplicate_document_on_patch_is_409_and_changes_nothing(client, admin):
    taken = create(client, admin, pf_payload())
    other = create(client, admin, pf_payload(name="José Pereira"))
    url = f"{URL}/{other['code']}"

    response = client.patch(url, json={"cpf": taken["cpf"].replace(".", "")}, headers=admin)
    assert_error(response, 409, "cpf")
    response = client.patch(url, json={"cpf": taken["cpf"], "name": "Outro"}, headers=admin)
    assert_error(response, 409, "cpf")
    assert _get(client, admin, other["code"]) == other


def test_same_document_on_own_record_is_not_a_conflict(client, admin):
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    response = client.patch(url, json={"cpf": customer["cpf"], "name": "Maria A."}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Maria A."


# --- PATCH ------------------------------------------------------------------------------------


def test_patch_changes_only_given_fields(client, admin):
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    response = client.patch(
        url, json={"name": "Maria Souza Lima", "email": "NOVO@Example.com"}, headers=admin
    )
    assert response.status_code == 200, response.get_json()
    expected = {**customer, "name": "Maria Souza Lima", "email": "novo@example.com"}
    assert response.get_json() == expected
    assert _get(client, admin, customer["code"]) == expected


def test_patch_of_nested_address_merges_parts(client, admin):
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    response = client.patch(url, json={"address": {"city": "Campinas"}}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["address"] == {**address(city="Campinas"), "city_code": None}
    assert _get(client, admin, customer["code"])["address"]["street"] == "Avenida Paulista"


def test_billing_address_set_merged_and_cleared_by_patch(client, admin):
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    billing = address(street="Rua da Cobrança", number="7", city="Campinas", cep="13010000")

    response = client.patch(url, json={"billing_address": billing}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["billing_address"] == {
        **billing,
        "cep": "13010-000",
        "city_code": None,
    }

    response = client.patch(url, json={"billing_address": {"number": "9"}}, headers=admin)
    assert response.get_json()["billing_address"]["number"] == "9"
    assert response.get_json()["billing_address"]["street"] == "Rua da Cobrança"

    response = client.patch(url, json={"billing_address": None}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["billing_address"] is None
    assert _get(client, admin, customer["code"])["billing_address"] is None
    assert _get(client, admin, customer["code"])["address"] == {**address(), "city_code": None}


def test_partial_billing_address_on_a_customer_without_one_is_409(client, admin):
    """A PATCH may merge into an existing billing address, but cannot create half of one.

    The body is valid by itself (it completes an existing billing address): the stored record
    is what it conflicts with.
    """
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    response = client.patch(url, json={"billing_address": {"city": "Campinas"}}, headers=admin)
    assert assert_error(response, 409)["code"] == "conflict"
    assert response.get_json()["errors"].keys() == {"billing_address"}
    assert _get(client, admin, customer["code"])["billing_address"] is None


def test_deactivate_and_reactivate_by_patch(client, admin):
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    response = client.patch(url, json={"active": False}, headers=admin)
    assert response.status_code == 200
    assert response.get_json() == {**customer, "active": False}
    assert _get(client, admin, customer["code"])["active"] is False

    response = client.patch(url, json={"active": True}, headers=admin)
    assert response.get_json()["active"] is True


def test_change_kind_pf_to_pj_needs_a_cnpj(client, admin):
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    assert_error(client.patch(url, json={"kind": "PJ"}, headers=admin), 422, "cnpj")
    assert _get(client, admin, customer["code"]) == customer

    cnpj = new_cnpj()
    response = client.patch(url, json={"kind": "PJ", "cnpj": cnpj}, headers=admin)
    assert response.status_code == 200, response.get_json()
    expected = {**customer, "kind": "PJ", "cpf": None, "cnpj": format_cnpj(cnpj)}
    assert response.get_json() == expected
    assert _get(client, admin, customer["code"]) == expected


def test_change_kind_pj_to_pf_needs_pj_only_fields_cleared(client, admin):
    customer = create(client, admin, pj_payload())
    url = f"{URL}/{customer['code']}"
    cpf = new_cpf()
    response = client.patch(url, json={"kind": "PF", "cpf": cpf}, headers=admin)
    assert_error(response, 409, "trade_name")  # the stored trade name is PJ-only
    assert _get(client, admin, customer["code"]) == customer

    change = {"kind": "PF", "cpf": cpf, "trade_name": None, "state_registration": None}
    response = client.patch(url, json=change, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["cpf"] == format_cpf(cpf)
    assert response.get_json()["cnpj"] is None


INVALID_PATCHES = {
    "cpf check digits": ({"cpf": "529.982.247-26"}, "cpf"),
    "clearing the cpf": ({"cpf": None}, "cpf"),
    "kind without its document": ({"kind": "PF"}, "cpf"),
    "kind with the other kind's document": ({"kind": "PF", "cnpj": "11.222.333/0001-81"}, "cnpj"),
    "control characters in notes": ({"notes": "a\u0007"}, "notes"),
    "cep": ({"address": {"cep": "123"}}, "address.cep"),
    "uf": ({"address": {"state": "SS"}}, "address.state"),
    "blank street": ({"address": {"street": ""}}, "address.street"),
    "removing the address": ({"address": None}, "address"),
    "email": ({"email": "no at sign"}, "email"),
    "unknown field": ({"colour": "blue"}, "colour"),
    "code": ({"code": 12345}, "code"),
    "name too short": ({"name": "M"}, "name"),
    "kind": ({"kind": "XX"}, "kind"),
    "active not a boolean": ({"active": "perhaps"}, "active"),
}


@pytest.mark.parametrize("case", INVALID_PATCHES, ids=list(INVALID_PATCHES))
def test_invalid_patch_is_422_naming_the_field_and_changes_nothing(client, admin, case):
    change, field = INVALID_PATCHES[case]
    customer = create(client, admin, pf_payload())
    response = client.patch(f"{URL}/{customer['code']}", json=change, headers=admin)
    assert_error(response, 422, field)
    assert _get(client, admin, customer["code"]) == customer


# Valid bodies by themselves (each would fit a PJ) that do not fit the stored PF.
CONFLICTING_PATCHES = {
    "cnpj on a PF": ({"cnpj": "11.222.333/0001-81"}, "cnpj"),
    "trade_name on a PF": ({"trade_name": "Loja"}, "trade_name"),
    "state_registration on a PF": ({"state_registration": "ISENTO"}, "state_registration"),
}


@pytest.mark.parametrize("case", CONFLICTING_PATCHES, ids=list(CONFLICTING_PATCHES))
def test_patch_that_does_not_fit_the_stored_kind_is_409(client, admin, case):
    change, field = CONFLICTING_PATCHES[case]
    customer = create(client, admin, pf_payload())
    response = client.patch(f"{URL}/{customer['code']}", json=change, headers=admin)
    assert assert_error(response, 409, field)["code"] == "conflict"
    assert _get(client, admin, customer["code"]) == customer


def test_pj_only_fields_change_on_a_pj(client, admin):
    customer = create(client, admin, pj_payload())
    url = f"{URL}/{customer['code']}"
    change = {"trade_name": "Pão Quentinho", "state_registration": "isento"}
    response = client.patch(url, json=change, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {**customer, **change}


def test_patch_unknown_customer_is_404(client, admin):
    response = client.patch(f"{URL}/999999", json={"name": "Ninguém"}, headers=admin)
    assert_error(response, 404)
    assert all_customers(client, admin) == []


# --- roles ------------------------------------------------------------------------------------


def test_attendant_creates_and_changes_customers(client, headers_for):
    attendant = headers_for("attendant")
    customer = create(client, attendant, pf_payload())
    response = client.patch(f"{URL}/{customer['code']}", json={"active": False}, headers=attendant)
    assert response.status_code == 200
    assert _get(client, attendant, customer["code"])["active"] is False


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_read_only_roles_read_but_cannot_write(client, admin, headers_for, role):
    customer = create(client, admin, pf_payload())
    reader = headers_for(role)
    url = f"{URL}/{customer['code']}"

    assert _get(client, reader, customer["code"]) == customer
    assert [c["code"] for c in all_customers(client, reader)] == [customer["code"]]

    body = assert_error(client.post(URL, json=pf_payload(), headers=reader), 403)
    assert body["code"] == "forbidden"
    assert_error(client.patch(url, json={"active": False}, headers=reader), 403)
    assert_error(client.patch(url, json={"name": "Trocado"}, headers=reader), 403)
    assert all_customers(client, admin) == [as_listed(customer)]


def test_no_token_is_401_for_every_customer_route(client, admin):
    customer = create(client, admin, pf_payload())
    url = f"{URL}/{customer['code']}"
    assert_error(client.get(URL), 401)
    assert_error(client.get(url), 401)
    assert_error(client.post(URL, json=pf_payload()), 401)
    assert_error(client.patch(url, json={"active": False}), 401)
    assert_error(client.get(f"{url}/history"), 401)
    bad = {"Authorization": "Bearer not-a-token"}
    assert_error(client.patch(url, json={"active": False}, headers=bad), 401)
    assert all_customers(client, admin) == [as_listed(customer)]


def test_deactivating_with_subscriptions_not_cancelled_is_a_409_naming_them(app, client, admin):
    customer = create(client, admin, pf_payload())
    code, url = customer["code"], f"{URL}/{customer['code']}"
    active = build_subscription(app, customer_code=code)
    suspended = build_subscription(app, customer_code=code)
    cancelled = build_subscription(app, customer_code=code)
    subscriptions = f"{API}/subscriptions"
    assert client.post(f"{subscriptions}/{suspended}/suspend", headers=admin).status_code == 200
    reason = {"cancel_reason": "Outros"}
    response = client.post(f"{subscriptions}/{cancelled}/cancel", json=reason, headers=admin)
    assert response.status_code == 200, response.get_json()

    response = client.patch(url, json={"active": False}, headers=admin)
    error = assert_error(response, 409)
    assert error["code"] == "conflict" and error["errors"].keys() == {"active"}
    assert f"({active}, {suspended})" in error["message"]
    assert _get(client, admin, code)["active"] is True  # nothing half-way

    for subscription_id in (active, suspended):
        response = client.post(
            f"{subscriptions}/{subscription_id}/cancel", json=reason, headers=admin
        )
        assert response.status_code == 200, response.get_json()
    response = client.patch(url, json={"active": False}, headers=admin)
    assert response.status_code == 200 and response.get_json()["active"] is False
