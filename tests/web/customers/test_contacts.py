"""Contacts of a customer [5.4] and their extra fields [5.4.11]."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from models.clock import local_today
from models.customers.contacts import customer_contacts
from models.db import db
from tests.builders import build_contact, build_customer
from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import format_cpf, new_cpf, wrong_check_digit

FIELDS = f"{API}/extra-fields"


def contacts_url(code: int, contact_id: int | None = None) -> str:
    url = f"{API}/customers/{code}/contacts"
    return url if contact_id is None else f"{url}/{contact_id}"


def create(client, headers, code: int, **body):
    return client.post(contacts_url(code), json={"name": "Ana Lima", **body}, headers=headers)


def created(client, headers, code: int, **body) -> dict:
    response = create(client, headers, code, **body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, headers, code: int, **query) -> dict:
    response = client.get(contacts_url(code), query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def history(client, headers, code: int) -> list[dict]:
    return client.get(f"{API}/customers/{code}/history", headers=headers).get_json()["items"]


def define(client, headers, **body) -> dict:
    body = {"applies_to": "contact", "type": "text", **body}
    response = client.post(FIELDS, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- create and read ----------------------------------------------------------------------------


def test_a_contact_is_stored_with_its_phones_normalised_and_shown_formatted(app, client, admin):
    code = build_customer(app)
    cpf = new_cpf()

    response = create(
        client,
        admin,
        code,
        type="financeiro",
        job_title="Gerente financeira",
        phone="1133334444",
        fax="+55 11 3333-5555",
        radio_phone="(11) 97777-6666",
        mobile="11 98765.4321",
        sms_allowed=True,
        email="Ana.Lima@Example.com",
        birth_date="1980-05-17",
        father_name="José Lima",
        mother_name="Rita Lima",
        cpf=cpf,
        rg="12.345.678-9",
        notes="Atende das 8h às 12h.\nPrefere e-mail.",
    )

    assert response.status_code == 201, response.get_json()
    contact = response.get_json()
    assert contact["customer_code"] == code
    assert (contact["phone"], contact["fax"]) == ("(11) 3333-4444", "(11) 3333-5555")
    assert (contact["radio_phone"], contact["mobile"]) == ("(11) 97777-6666", "(11) 98765-4321")
    assert (contact["sms_allowed"], contact["email"]) == (True, "ana.lima@example.com")
    assert (contact["cpf"], contact["birth_date"]) == (format_cpf(cpf), "1980-05-17")
    assert contact["notes"] == "Atende das 8h às 12h.\nPrefere e-mail."
    assert contact["extra_fields"] == {"items": [], "missing": []}
    assert response.headers["Location"] == contacts_url(code, contact["id"])
    assert client.get(response.headers["Location"], headers=admin).get_json() == contact


def test_only_the_name_is_required(app, client, admin):
    code = build_customer(app)

    contact = created(client, admin, code)

    assert contact["name"] == "Ana Lima"
    assert contact["sms_allowed"] is False
    assert contact["type"] is None and contact["mobile"] is None


def test_the_list_is_paged_by_name(app, client, admin):
    code = build_customer(app)
    for name in ("Carla", "Bruno", "Ana"):
        created(client, admin, code, name=name)
    created(client, admin, build_customer(app), name="Outro cliente")

    page = listed(client, admin, code, per_page=2)

    assert [c["name"] for c in page["items"]] == ["Ana", "Bruno"]
    assert (page["total"], page["page"], page["per_page"]) == (3, 1, 2)
    assert [c["name"] for c in listed(client, admin, code, page=2, per_page=2)["items"]] == [
        "Carla"
    ]
    assert_envelope(
        client.get(contacts_url(code), query_string={"per_page": 201}, headers=admin),
        422,
        "validation_error",
    )


def test_a_contact_of_another_customer_or_an_unknown_one_is_not_found(app, client, admin):
    code, other = build_customer(app), build_customer(app)
    contact = created(client, admin, code)

    for url in (contacts_url(other, contact["id"]), contacts_url(code, 999)):
        assert_envelope(client.get(url, headers=admin), 404, "not_found")
        assert_envelope(client.patch(url, json={"name": "X"}, headers=admin), 404, "not_found")
        assert_envelope(client.delete(url, headers=admin), 404, "not_found")
    assert_envelope(client.get(contacts_url(999), headers=admin), 404, "not_found")
    assert_envelope(create(client, admin, 999), 404, "not_found")


# --- rules and bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": None}, "name"),
        ({"type": "vizinho"}, "type"),  # not in CONTACT_TYPES
        ({"sms_allowed": True}, "sms_allowed"),
        ({"sms_allowed": True, "mobile": None}, "sms_allowed"),
        ({"sms_allowed": "sim"}, "sms_allowed"),
        ({"phone": "(10) 3333-4444"}, "phone"),  # no such DDD
        ({"mobile": "11 8765-432"}, "mobile"),
        ({"cpf": "123.456.789-00"}, "cpf"),
        ({"cpf": "111.111.111-11"}, "cpf"),
        ({"email": "ana@"}, "email"),
        ({"birth_date": "1980-02-30"}, "birth_date"),
        ({"job_title": "linha\nquebrada"}, "job_title"),
        ({"rg": "1" * 21}, "rg"),
        ({"notes": "x" * 5001}, "notes"),
        ({"nickname": "Aninha"}, "nickname"),
    ],
)
def test_a_bad_contact_is_refused_naming_the_field_and_nothing_is_saved(
    app, client, admin, body, field
):
    code = build_customer(app)
    before = history(client, admin, code)

    response = create(client, admin, code, **body)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert listed(client, admin, code)["total"] == 0
    assert history(client, admin, code) == before


def test_a_wrong_cpf_check_digit_is_refused(app, client, admin):
    code = build_customer(app)

    response = create(client, admin, code, cpf=wrong_check_digit(new_cpf()))

    assert "cpf" in assert_envelope(response, 422, "validation_error")["errors"]


def test_a_birth_date_may_be_today_where_the_isp_is_but_not_later(app, client, admin):
    code = build_customer(app)
    with app.app_context():
        today = local_today()

    future = create(client, admin, code, birth_date=(today + timedelta(days=1)).isoformat())

    assert "birth_date" in assert_envelope(future, 422, "validation_error")["errors"]
    assert created(client, admin, code, birth_date=today.isoformat())["birth_date"] == (
        today.isoformat()
    )


def test_the_contact_types_come_from_the_setting(app, client, admin, build_app):
    code = build_customer(app)
    assert "síndico" not in app.config["CONTACT_TYPES"]
    custom = build_app(contact_types=("síndico", "zelador")).test_client()

    assert created(client, admin, code, type="técnico")["type"] == "técnico"
    assert created(custom, admin, code, type="síndico")["type"] == "síndico"
    refused = create(custom, admin, code, type="técnico")
    assert "type" in assert_envelope(refused, 422, "validation_error")["errors"]


# --- change and delete --------------------------------------------------------------------------


def test_a_change_is_applied_and_recorded_in_the_customer_s_history(app, client, admin):
    code = build_customer(app)
    contact = created(client, admin, code, phone="1133334444")

    response = client.patch(
        contacts_url(code, contact["id"]),
        json={"phone": "(11) 3333-5555", "job_title": "Síndica"},
        headers=admin,
    )

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["phone"], response.get_json()["job_title"]) == (
        "(11) 3333-5555",
        "Síndica",
    )
    entries = [e for e in history(client, admin, code) if e["entity"] == "contacts"]
    assert [e["action"] for e in entries] == ["update", "create"]
    assert {c["field"]: (c["old"], c["new"]) for c in entries[0]["changes"]} == {
        "phone": ("(11) 3333-4444", "(11) 3333-5555"),
        "job_title": (None, "Síndica"),
    }
    assert entries[0]["entity_id"] == str(contact["id"])


def test_sms_stays_allowed_only_while_there_is_a_mobile(app, client, admin):
    code = build_customer(app)
    with_mobile = created(client, admin, code, mobile="(11) 98765-4321", sms_allowed=True)
    without = created(client, admin, code, name="Bruno")
    url = contacts_url(code, with_mobile["id"])

    for contact_url, body in (
        (url, {"mobile": None}),
        (contacts_url(code, without["id"]), {"sms_allowed": True}),
        (url, {"mobile": None, "sms_allowed": True}),
    ):
        response = client.patch(contact_url, json=body, headers=admin)
        assert "sms_allowed" in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.get(url, headers=admin).get_json() == with_mobile

    both = client.patch(url, json={"mobile": None, "sms_allowed": False}, headers=admin)
    assert both.status_code == 200, both.get_json()
    assert (both.get_json()["mobile"], both.get_json()["sms_allowed"]) == (None, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "_schema"),
        ({"name": None}, "name"),
        ({"type": "vizinho"}, "type"),
        ({"cpf": "123.456.789-00"}, "cpf"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"id": 5}, "id"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(app, client, admin, body, field):
    code = build_customer(app)
    contact = created(client, admin, code)
    before = history(client, admin, code)

    response = client.patch(contacts_url(code, contact["id"]), json=body, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.get(contacts_url(code, contact["id"]), headers=admin).get_json() == contact
    assert history(client, admin, code) == before


def test_a_deleted_contact_is_gone_with_its_values_and_the_deletion_is_in_history(
    app, client, admin
):
    code = build_customer(app)
    contact = created(client, admin, code)
    field = define(client, admin, name="Cargo anterior")
    values_url = f"{contacts_url(code, contact['id'])}/extra-fields/{field['id']}"
    assert client.put(values_url, json={"value": "Caixa"}, headers=admin).status_code == 200

    response = client.delete(contacts_url(code, contact["id"]), headers=admin)

    assert response.status_code == 204
    assert_envelope(client.get(contacts_url(code, contact["id"]), headers=admin), 404, "not_found")
    deleted = [(e["entity"], e["action"]) for e in history(client, admin, code)][:2]
    assert sorted(deleted) == [("contacts", "delete"), ("extra_field_values", "delete")]
    assert listed(client, admin, code)["total"] == 0


# --- the contact's extra fields -----------------------------------------------------------------


def test_a_contact_s_extra_fields_are_set_listed_and_shown_in_its_record(app, client, admin):
    code = build_customer(app)
    contact = created(client, admin, code)
    other = created(client, admin, code, name="Bruno")
    cargo = define(client, admin, name="Cargo anterior", required=True)
    nascimento = define(client, admin, name="Admissão", type="date", required=True)
    define(client, admin, name="Ramo", applies_to="customer", required=True)
    url = f"{contacts_url(code, contact['id'])}/extra-fields"

    response = client.put(f"{url}/{nascimento['id']}", json={"value": "2020-03-01"}, headers=admin)

    assert response.get_json() == {"definition": nascimento, "value": "2020-03-01"}
    fields = client.get(url, headers=admin).get_json()
    assert [(i["definition"]["name"], i["value"]) for i in fields["items"]] == [
        ("Admissão", "2020-03-01"),
        ("Cargo anterior", None),
    ]
    assert fields["missing"] == [{"id": cargo["id"], "name": "Cargo anterior"}]
    assert (
        client.get(contacts_url(code, contact["id"]), headers=admin).get_json()["extra_fields"]
        == fields
    )
    by_name = {c["name"]: c["extra_fields"] for c in listed(client, admin, code)["items"]}
    assert by_name["Ana Lima"] == fields
    assert by_name["Bruno"]["items"][0]["value"] is None  # values are the contact's own
    assert len(by_name["Bruno"]["missing"]) == 2
    assert other["id"] != contact["id"]


def test_a_contact_saves_whatever_required_field_is_missing(app, client, admin):
    code = build_customer(app)
    define(client, admin, name="Cargo anterior", required=True)

    contact = created(client, admin, code)
    changed = client.patch(contacts_url(code, contact["id"]), json={"name": "Ana"}, headers=admin)

    assert changed.status_code == 200
    assert [m["name"] for m in changed.get_json()["extra_fields"]["missing"]] == ["Cargo anterior"]


def test_a_contact_value_is_checked_against_its_type_and_field(app, client, admin):
    code = build_customer(app)
    contact = created(client, admin, code)
    number = define(client, admin, name="Ramal", type="number")
    customer_field = define(client, admin, name="Ramo", applies_to="customer")
    url = f"{contacts_url(code, contact['id'])}/extra-fields"
    before = history(client, admin, code)

    bad = client.put(f"{url}/{number['id']}", json={"value": "ramal 12"}, headers=admin)
    assert "value" in assert_envelope(bad, 422, "validation_error")["errors"]
    wrong_kind = client.put(f"{url}/{customer_field['id']}", json={"value": "x"}, headers=admin)
    assert_envelope(wrong_kind, 404, "not_found")
    elsewhere = f"{contacts_url(build_customer(app), contact['id'])}/extra-fields/{number['id']}"
    assert_envelope(client.put(elsewhere, json={"value": 1}, headers=admin), 404, "not_found")
    assert history(client, admin, code) == before


def test_a_contact_value_change_is_in_history_naming_the_contact_and_field(app, client, admin):
    code = build_customer(app)
    contact = created(client, admin, code)
    field = define(client, admin, name="Ramal", type="number")
    url = f"{contacts_url(code, contact['id'])}/extra-fields/{field['id']}"

    client.put(url, json={"value": 12}, headers=admin)
    client.put(url, json={"value": "13"}, headers=admin)

    entries = [e for e in history(client, admin, code) if e["entity"] == "extra_field_values"]
    name = f"contact {contact['id']}: Ramal"
    assert [e["changes"] for e in entries] == [
        [{"field": name, "old": "12", "new": "13"}],
        [{"field": name, "old": None, "new": "12"}],
    ]


# --- queries ------------------------------------------------------------------------------------


@contextmanager
def counting(app):
    """The SQL statements run inside the block, in a list filled as they run."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_customer_s_contacts_load_in_one_query(app):
    code = build_customer(app)
    for name in ("Carla", "Ana", "Bruno"):
        build_contact(app, code, name=name)

    with app.app_context(), counting(app) as statements:
        names = [contact.name for contact in customer_contacts(code)]

    assert len(statements) == 1
    assert names == ["Ana", "Bruno", "Carla"]


def test_the_list_reads_a_fixed_number_of_queries_however_many_contacts(app, client, admin):
    few, many = build_customer(app), build_customer(app)
    define(client, admin, name="Cargo anterior")
    build_contact(app, few)
    for index in range(6):
        build_contact(app, many, name=f"Contato {index}")
    client.get(contacts_url(few), headers=admin)  # warm up: the token's first use

    with counting(app) as for_few:
        assert listed(client, admin, few)["total"] == 1
    with counting(app) as for_many:
        assert listed(client, admin, many)["total"] == 6

    assert len(for_many) == len(for_few)


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "writes"),
    [("admin", True), ("attendant", True), ("finance", False), ("technician", False)],
)
def test_admins_and_attendants_change_contacts_finance_and_technicians_read_them(
    app, client, headers_for, role, writes
):
    code = build_customer(app)
    contact_id = build_contact(app, code)
    field = define(client, headers_for("admin"), name="Ramal")
    staff = headers_for(role)
    url = contacts_url(code, contact_id)

    responses = [
        create(client, staff, code, name="Nova"),
        client.patch(url, json={"name": "Outro nome"}, headers=staff),
        client.put(f"{url}/extra-fields/{field['id']}", json={"value": "12"}, headers=staff),
        client.delete(url, headers=staff),
    ]

    if writes:
        assert [r.status_code for r in responses] == [201, 200, 200, 204]
        assert [c["name"] for c in listed(client, staff, code)["items"]] == ["Nova"]
    else:
        for response in responses:
            assert_envelope(response, 403, "forbidden")
        assert client.get(url, headers=staff).get_json()["name"] == "João da Silva"
        assert client.get(f"{url}/extra-fields", headers=staff).status_code == 200
        assert listed(client, staff, code)["total"] == 1
