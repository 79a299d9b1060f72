"""Extra fields [5.2, 5.4.11]: admins define them, staff set values checked against the type."""

import pytest

from tests.builders import build_customer
from tests.web.api_helpers import API, assert_envelope

FIELDS = f"{API}/extra-fields"


def define(client, headers, **body) -> dict:
    body = {"applies_to": "customer", "type": "text", **body}
    response = client.post(FIELDS, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def values_url(code: int, field_id: int | None = None) -> str:
    url = f"{API}/customers/{code}/extra-fields"
    return url if field_id is None else f"{url}/{field_id}"


def put(client, headers, code: int, field_id: int, value):
    return client.put(values_url(code, field_id), json={"value": value}, headers=headers)


def values(client, headers, code: int) -> dict:
    response = client.get(values_url(code), headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def history(client, headers, code: int) -> list[dict]:
    return client.get(f"{API}/customers/{code}/history", headers=headers).get_json()["items"]


def field_ids(client, headers) -> list[int]:
    return [f["id"] for f in client.get(FIELDS, headers=headers).get_json()["items"]]


# --- definitions --------------------------------------------------------------------------------


def test_an_admin_defines_a_choice_field_and_reads_it_back(client, admin):
    response = client.post(
        FIELDS,
        json={
            "name": "Porte da empresa",
            "applies_to": "customer",
            "type": "choice",
            "options": ["ME", "EPP", "ME", " Grande "],
            "required": True,
        },
        headers=admin,
    )

    assert response.status_code == 201, response.get_json()
    field = response.get_json()
    assert field["options"] == ["ME", "EPP", "Grande"]  # repeats dropped, blanks trimmed
    assert (field["required"], field["active"]) == (True, True)
    assert response.headers["Location"] == f"{FIELDS}/{field['id']}"
    assert client.get(response.headers["Location"], headers=admin).get_json() == field
    assert client.get(FIELDS, headers=admin).get_json()["items"] == [field]


def test_the_list_narrows_by_applies_to_and_active(client, admin):
    customer = define(client, admin, name="Ramo")
    contact = define(client, admin, name="Ramo", applies_to="contact")  # same name, other kind
    client.patch(f"{FIELDS}/{contact['id']}", json={"active": False}, headers=admin)

    def listed(**query):
        response = client.get(FIELDS, query_string=query, headers=admin)
        return [f["id"] for f in response.get_json()["items"]]

    assert listed(applies_to="customer") == [customer["id"]]
    assert listed(active="true") == [customer["id"]]
    assert listed(active="false") == [contact["id"]]


def test_a_name_is_unique_per_applies_to(client, admin):
    define(client, admin, name="Ramo")

    response = client.post(
        FIELDS, json={"name": "Ramo", "applies_to": "customer", "type": "date"}, headers=admin
    )

    assert "name" in assert_envelope(response, 409, "conflict")["errors"]
    assert len(field_ids(client, admin)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "choice"}, "options"),
        ({"type": "choice", "options": []}, "options"),
        ({"type": "choice", "options": [" "]}, "options"),
        ({"type": "text", "options": ["a"]}, "options"),
        ({"type": "color"}, "type"),
        ({"applies_to": "subscription"}, "applies_to"),
        ({"name": " "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"required": "yes"}, "required"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_field(client, admin, body, field):
    payload = {"name": "Ramo", "applies_to": "customer", "type": "text", **body}

    response = client.post(FIELDS, json=payload, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert field_ids(client, admin) == []


def test_a_definition_changes_freely_while_no_values_are_stored(client, admin):
    field = define(client, admin, name="Ramo")

    response = client.patch(
        f"{FIELDS}/{field['id']}",
        json={"type": "choice", "options": ["a", "b"], "applies_to": "contact"},
        headers=admin,
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["type"], response.get_json()["options"]) == ("choice", ["a", "b"])

    back = client.patch(f"{FIELDS}/{field['id']}", json={"type": "date"}, headers=admin)
    assert (back.get_json()["type"], back.get_json()["options"]) == ("date", None)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "_schema"),
        ({"type": "text", "options": ["a"]}, 422, "options"),
        ({"type": "choice"}, 409, "options"),  # a text field has no options to keep
        ({"options": ["a"]}, 409, "options"),
        ({"options": None}, 422, "options"),
        ({"active": None}, 422, "active"),
    ],
)
def test_a_bad_change_to_a_definition_is_refused(client, admin, body, status, field):
    stored = define(client, admin, name="Ramo")

    response = client.patch(f"{FIELDS}/{stored['id']}", json=body, headers=admin)

    code = "conflict" if status == 409 else "validation_error"
    assert field in assert_envelope(response, status, code)["errors"]
    assert client.get(f"{FIELDS}/{stored['id']}", headers=admin).get_json() == stored


def test_renaming_onto_another_field_s_name_is_a_conflict(client, admin):
    define(client, admin, name="Ramo")
    other = define(client, admin, name="Setor")

    response = client.patch(f"{FIELDS}/{other['id']}", json={"name": "Ramo"}, headers=admin)

    assert "name" in assert_envelope(response, 409, "conflict")["errors"]


def test_type_and_applies_to_are_fixed_once_values_exist(app, client, admin):
    code = build_customer(app)
    field = define(client, admin, name="Funcionários", type="number")
    assert put(client, admin, code, field["id"], 12).status_code == 200

    for body in ({"type": "text"}, {"applies_to": "contact"}):
        response = client.patch(f"{FIELDS}/{field['id']}", json=body, headers=admin)
        assert set(body) <= set(assert_envelope(response, 409, "conflict")["errors"])
    renamed = client.patch(f"{FIELDS}/{field['id']}", json={"name": "Empregados"}, headers=admin)
    assert renamed.status_code == 200
    assert values(client, admin, code)["items"][0]["value"] == "12"


def test_a_cleared_value_no_longer_fixes_the_type(app, client, admin):
    code = build_customer(app)
    field = define(client, admin, name="Funcionários", type="number")
    put(client, admin, code, field["id"], 12)
    put(client, admin, code, field["id"], None)

    response = client.patch(f"{FIELDS}/{field['id']}", json={"type": "text"}, headers=admin)

    assert response.status_code == 200, response.get_json()


def test_an_option_that_values_use_cannot_be_removed(app, client, admin):
    code = build_customer(app)
    field = define(client, admin, name="Porte", type="choice", options=["ME", "EPP", "Grande"])
    put(client, admin, code, field["id"], "EPP")

    refused = client.patch(f"{FIELDS}/{field['id']}", json={"options": ["ME"]}, headers=admin)
    body = assert_envelope(refused, 409, "conflict")
    assert "EPP" in body["errors"]["options"][0]

    kept = client.patch(f"{FIELDS}/{field['id']}", json={"options": ["EPP", "MEI"]}, headers=admin)
    assert kept.status_code == 200, kept.get_json()
    assert kept.get_json()["options"] == ["EPP", "MEI"]
    assert values(client, admin, code)["items"][0]["value"] == "EPP"


# --- values -------------------------------------------------------------------------------------


def test_a_customer_lists_every_active_field_with_its_value_and_the_missing_ones(
    app, client, admin
):
    code = build_customer(app)
    ramo = define(client, admin, name="Ramo", required=True)
    porte = define(client, admin, name="Porte", type="choice", options=["ME"], required=True)
    define(client, admin, name="Nota", required=False)
    withdrawn = define(client, admin, name="Antigo", required=True)
    client.patch(f"{FIELDS}/{withdrawn['id']}", json={"active": False}, headers=admin)
    define(client, admin, name="Cargo", applies_to="contact", required=True)

    put(client, admin, code, porte["id"], "ME")
    listed = values(client, admin, code)

    assert [(i["definition"]["name"], i["value"]) for i in listed["items"]] == [
        ("Nota", None),
        ("Porte", "ME"),
        ("Ramo", None),
    ]
    assert listed["missing"] == [{"id": ramo["id"], "name": "Ramo"}]


@pytest.mark.parametrize(
    ("type_", "options", "sent", "stored"),
    [
        ("text", None, "  Provedor regional ", "Provedor regional"),
        ("text", None, "é" * 500, "é" * 500),
        ("number", None, 12, "12"),
        ("number", None, 0.1, "0.1"),
        ("number", None, -3.25, "-3.25"),
        ("number", None, " 1234.50 ", "1234.50"),
        ("date", None, "2024-02-29", "2024-02-29"),
        ("choice", ["ME", "EPP"], "EPP", "EPP"),
    ],
)
def test_a_value_is_stored_in_the_form_of_its_type(
    app, client, admin, type_, options, sent, stored
):
    code = build_customer(app)
    field = define(
        client, admin, name="Campo", type=type_, **({"options": options} if options else {})
    )

    response = put(client, admin, code, field["id"], sent)

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"definition": field, "value": stored}
    assert values(client, admin, code)["items"][0]["value"] == stored


@pytest.mark.parametrize(
    ("type_", "sent"),
    [
        ("text", "x" * 501),
        ("text", "linha 1\nlinha 2"),
        ("text", "tab\there"),
        ("text", 12),
        ("number", "12,5"),
        ("number", "1e5"),
        ("number", "doze"),
        ("number", 1e25),
        ("number", "1.12345678901"),
        ("number", True),
        ("date", "2024-02-30"),
        ("date", "20240101"),
        ("date", "01/02/2024"),
        ("date", 20240101),
        ("choice", "GRANDE"),
        ("choice", 1),
        ("text", ["a"]),
        ("text", {"a": 1}),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused_naming_value(
    app, client, admin, type_, sent
):
    code = build_customer(app)
    options = {"options": ["ME", "EPP"]} if type_ == "choice" else {}
    field = define(client, admin, name="Campo", type=type_, **options)
    entries = len(history(client, admin, code))

    response = put(client, admin, code, field["id"], sent)

    assert "value" in assert_envelope(response, 422, "validation_error")["errors"]
    assert values(client, admin, code)["items"][0]["value"] is None
    assert len(history(client, admin, code)) == entries


@pytest.mark.parametrize("body", [{}, {"value": "a", "other": 1}])
def test_a_body_without_just_a_value_is_refused(app, client, admin, body):
    code = build_customer(app)
    field = define(client, admin, name="Campo")

    response = client.put(values_url(code, field["id"]), json=body, headers=admin)

    assert_envelope(response, 422, "validation_error")


def test_a_field_of_contacts_an_inactive_or_unknown_field_is_not_found(app, client, admin):
    code = build_customer(app)
    contact_field = define(client, admin, name="Cargo", applies_to="contact")
    withdrawn = define(client, admin, name="Antigo")
    client.patch(f"{FIELDS}/{withdrawn['id']}", json={"active": False}, headers=admin)

    for field_id in (contact_field["id"], withdrawn["id"], 999, 2**40):
        assert_envelope(put(client, admin, code, field_id, "x"), 404, "not_found")
    assert_envelope(put(client, admin, 999, contact_field["id"], "x"), 404, "not_found")
    assert_envelope(client.get(values_url(999), headers=admin), 404, "not_found")


def test_each_change_of_value_is_in_the_customer_s_history_under_the_field_s_name(
    app, client, admin
):
    code = build_customer(app)
    field = define(client, admin, name="Ramo de atividade")

    put(client, admin, code, field["id"], "Comércio")
    put(client, admin, code, field["id"], "Indústria")
    put(client, admin, code, field["id"], None)
    put(client, admin, code, field["id"], None)  # already clear: no change, no entry

    entries = [e for e in history(client, admin, code) if e["entity"] == "extra_field_values"]
    assert [(e["action"], e["changes"], e["username"]) for e in entries] == [
        ("update", [{"field": "Ramo de atividade", "old": "Indústria", "new": None}], "admin.user"),
        (
            "update",
            [{"field": "Ramo de atividade", "old": "Comércio", "new": "Indústria"}],
            "admin.user",
        ),
        ("create", [{"field": "Ramo de atividade", "old": None, "new": "Comércio"}], "admin.user"),
    ]
    assert values(client, admin, code)["missing"] == []  # not required


# --- roles --------------------------------------------------------------------------------------


def test_only_an_admin_defines_fields_everyone_reads_them(client, headers_for):
    field = define(client, headers_for("admin"), name="Ramo")
    for role in ("attendant", "finance", "technician"):
        staff = headers_for(role)
        assert client.get(FIELDS, headers=staff).status_code == 200
        assert client.get(f"{FIELDS}/{field['id']}", headers=staff).status_code == 200
        created = client.post(
            FIELDS, json={"name": "X", "applies_to": "customer", "type": "text"}, headers=staff
        )
        assert_envelope(created, 403, "forbidden")
        changed = client.patch(f"{FIELDS}/{field['id']}", json={"name": "Y"}, headers=staff)
        assert_envelope(changed, 403, "forbidden")
    assert field_ids(client, headers_for("admin")) == [field["id"]]


@pytest.mark.parametrize(
    ("role", "writes"),
    [("admin", True), ("attendant", True), ("finance", False), ("technician", False)],
)
def test_admins_and_attendants_set_values_finance_and_technicians_read_them(
    app, client, headers_for, role, writes
):
    code = build_customer(app)
    field = define(client, headers_for("admin"), name="Ramo")
    staff = headers_for(role)

    response = put(client, staff, code, field["id"], "Comércio")

    if writes:
        assert response.status_code == 200, response.get_json()
    else:
        assert_envelope(response, 403, "forbidden")
    expected = "Comércio" if writes else None
    assert values(client, staff, code)["items"][0]["value"] == expected
