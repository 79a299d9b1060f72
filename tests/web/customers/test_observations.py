"""Observations on a customer [5.5]: writing, listing, changing, history, mandatory reading
acknowledged per user, and who may do what."""

import pytest
from sqlalchemy import text

from models.db import db
from tests.builders import build_customer
from tests.web.api_helpers import API, assert_envelope

MULTILINE = "Cliente prefere contato à tarde.\nNão ligar antes das 14h.\tObrigado."


def obs_url(code: int, observation_id: int | None = None) -> str:
    url = f"{API}/customers/{code}/observations"
    return url if observation_id is None else f"{url}/{observation_id}"


def write(client, headers, code: int, **body) -> dict:
    """POST an observation that must be accepted."""
    body = {"type": "geral", "text": "Observação.", **body}
    response = client.post(obs_url(code), json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, headers, code: int, **query) -> dict:
    response = client.get(obs_url(code), query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def change(client, headers, code: int, observation_id: int, **body) -> dict:
    response = client.patch(obs_url(code, observation_id), json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def acknowledge(client, headers, code: int, observation_id: int, **query):
    url = f"{obs_url(code, observation_id)}/acknowledge"
    return client.post(url, query_string=query, headers=headers)


def unread(client, headers, code: int) -> list[dict]:
    response = client.get(f"{API}/customers/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["unread_mandatory_observations"]


def unread_ids(client, headers, code: int) -> list[int]:
    return [item["id"] for item in unread(client, headers, code)]


def observation_history(client, headers, code: int) -> list[dict]:
    body = client.get(f"{API}/customers/{code}/history", headers=headers).get_json()
    return [entry for entry in body["items"] if entry["entity"] == "observations"]


def reads(app) -> list[tuple]:
    with app.app_context():
        query = "SELECT observation_id, user_id, read_at, text_version FROM observation_reads"
        return [tuple(row) for row in db.session.execute(text(query + " ORDER BY 1, 2"))]


# --- writing and reading ----------------------------------------------------------------------


def test_an_observation_is_written_with_its_author_and_time(app, client, headers_for):
    code = build_customer(app)
    response = client.post(
        obs_url(code),
        json={"type": "financeiro", "text": f"  {MULTILINE}  ", "mandatory_reading": True},
        headers=headers_for("attendant"),
    )

    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == obs_url(code, body["id"])
    assert body["user"] == "attendant.user"
    assert body["created_at"] and body["type"] == "financeiro"
    assert body["text"] == MULTILINE  # line breaks and tabs kept, the ends trimmed
    assert body["mandatory_reading"] is True and body["text_version"] == 1
    assert client.get(response.headers["Location"], headers=headers_for("admin")).get_json() == body


def test_mandatory_reading_defaults_to_false(app, client, admin):
    code = build_customer(app)
    assert write(client, admin, code)["mandatory_reading"] is False
    assert unread(client, admin, code) == []


def test_list_is_newest_first_paged_and_filtered_by_mandatory_reading(app, client, admin):
    code = build_customer(app)
    ids = [write(client, admin, code, mandatory_reading=i % 2 == 0)["id"] for i in range(5)]
    write(client, admin, build_customer(app))  # another customer's stays out

    body = listed(client, admin, code, per_page=2)
    assert [item["id"] for item in body["items"]] == ids[::-1][:2]
    assert (body["total"], body["page"], body["per_page"]) == (5, 1, 2)
    assert [i["id"] for i in listed(client, admin, code, page=3, per_page=2)["items"]] == ids[:1]
    mandatory = listed(client, admin, code, mandatory_reading="true")
    assert [item["id"] for item in mandatory["items"]] == [ids[4], ids[2], ids[0]]
    assert mandatory["total"] == 3
    others = listed(client, admin, code, mandatory_reading="false")["items"]
    assert [item["id"] for item in others] == [ids[3], ids[1]]


def test_text_of_4000_characters_is_accepted(app, client, admin):
    code = build_customer(app)
    assert len(write(client, admin, code, text="x" * 4000)["text"]) == 4000


def test_the_types_come_from_the_settings(app, client, admin):
    code = build_customer(app)
    for kind in app.config["OBSERVATION_TYPES"]:
        assert write(client, admin, code, type=kind)["type"] == kind


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "geral"}, "text"),
        ({"text": "Sem tipo."}, "type"),
        ({"type": "geral", "text": "   \n\t "}, "text"),
        ({"type": "geral", "text": "x" * 4001}, "text"),
        ({"type": "geral", "text": "bell \x07"}, "text"),
        ({"type": "geral", "text": 42}, "text"),
        ({"type": "fofoca", "text": "Tipo que não existe."}, "type"),
        ({"type": "Geral", "text": "Tipos diferenciam maiúsculas."}, "type"),
        ({"type": "geral", "text": "Sim.", "mandatory_reading": "yes"}, "mandatory_reading"),
        ({"type": "geral", "text": "Sim.", "mandatory_reading": 1}, "mandatory_reading"),
        ({"type": "geral", "text": "Autor?", "user": "outra.pessoa"}, "user"),
        ({"type": "geral", "text": "Data?", "created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(app, client, admin, body, field):
    code = build_customer(app)
    response = client.post(obs_url(code), json=body, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert listed(client, admin, code)["total"] == 0
    assert observation_history(client, admin, code) == []


def test_unknown_customer_or_observation_is_404(app, client, admin):
    code, other = build_customer(app), build_customer(app)
    observation = write(client, admin, code, mandatory_reading=True)
    body = {"type": "geral", "text": "Nada."}

    assert_envelope(client.get(obs_url(999), headers=admin), 404, "not_found")
    assert_envelope(client.post(obs_url(999), json=body, headers=admin), 404, "not_found")
    assert_envelope(client.get(obs_url(code, 999), headers=admin), 404, "not_found")
    # An observation is found only under its own customer.
    foreign = obs_url(other, observation["id"])
    assert_envelope(client.get(foreign, headers=admin), 404, "not_found")
    assert_envelope(client.patch(foreign, json={"text": "x"}, headers=admin), 404, "not_found")
    assert_envelope(acknowledge(client, admin, other, observation["id"]), 404, "not_found")
    assert_envelope(acknowledge(client, admin, code, 2**31), 404, "not_found")
    assert reads(app) == []
    assert listed(client, admin, other)["total"] == 0


def test_there_is_no_delete(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code)
    assert_envelope(
        client.delete(obs_url(code, observation["id"]), headers=admin), 405, "method_not_allowed"
    )
    assert listed(client, admin, code)["total"] == 1


# --- changing and history ---------------------------------------------------------------------


def test_a_change_keeps_author_and_time_and_is_in_the_customer_history(app, client, headers_for):
    code = build_customer(app)
    admin, attendant = headers_for("admin"), headers_for("attendant")
    observation = write(client, admin, code, text="Antes.", mandatory_reading=True)

    changed = change(
        client, attendant, code, observation["id"], text="Depois.", mandatory_reading=False
    )

    assert changed["text"] == "Depois." and changed["mandatory_reading"] is False
    assert changed["user"] == "admin.user" and changed["created_at"] == observation["created_at"]
    assert changed["text_version"] == 2
    update, create = observation_history(client, admin, code)
    assert create["action"] == "create" and create["username"] == "admin.user"
    assert create["entity_id"] == str(observation["id"])
    assert {c["field"]: c["new"] for c in create["changes"]}["text"] == "Antes."
    assert update["action"] == "update" and update["username"] == "attendant.user"
    assert sorted((c["field"], c["old"], c["new"]) for c in update["changes"]) == [
        ("mandatory_reading", True, False),
        ("text", "Antes.", "Depois."),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "y" * 4001}, "text"),
        ({"type": "fofoca"}, "type"),
        ({"mandatory_reading": None}, "mandatory_reading"),
        ({"mandatory_reading": "false"}, "mandatory_reading"),
        ({"user": "outra.pessoa"}, "user"),
        ({"text_version": 1}, "text_version"),
    ],
)
def test_bad_change_is_422_naming_the_field_and_changes_nothing(app, client, admin, body, field):
    code = build_customer(app)
    observation = write(client, admin, code, mandatory_reading=True)
    url = obs_url(code, observation["id"])

    response = client.patch(url, json=body, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.get(url, headers=admin).get_json() == observation
    assert len(observation_history(client, admin, code)) == 1  # the creation only


def test_an_empty_change_is_refused(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code)
    response = client.patch(obs_url(code, observation["id"]), json={}, headers=admin)
    assert_envelope(response, 422, "validation_error")


def test_a_change_to_the_same_values_records_nothing(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code, text="Igual.")
    same = change(client, admin, code, observation["id"], text=" Igual. ", type="geral")
    assert same["text_version"] == 1
    assert len(observation_history(client, admin, code)) == 1


# --- mandatory reading ------------------------------------------------------------------------


def test_the_customer_shows_my_unread_mandatory_observations_oldest_first(app, client, headers_for):
    code = build_customer(app)
    admin, attendant = headers_for("admin"), headers_for("attendant")
    first = write(
        client, attendant, code, type="financeiro", text=MULTILINE, mandatory_reading=True
    )
    write(client, admin, code, text="Só informativa.")
    second = write(
        client, admin, code, type="técnico", text="Roteador novo.", mandatory_reading=True
    )

    assert unread(client, admin, code) == [
        {
            "id": first["id"],
            "created_at": first["created_at"],
            "author": "attendant.user",
            "type": "financeiro",
            "text": MULTILINE,
            "text_version": 1,
        },
        {
            "id": second["id"],
            "created_at": second["created_at"],
            "author": "admin.user",
            "type": "técnico",
            "text": "Roteador novo.",
            "text_version": 1,
        },
    ]


def test_acknowledging_counts_for_me_only(app, client, headers_for):
    code = build_customer(app)
    admin, finance = headers_for("admin"), headers_for("finance")
    first = write(client, admin, code, mandatory_reading=True)
    second = write(client, admin, code, mandatory_reading=True)

    response = acknowledge(client, admin, code, first["id"])

    assert response.status_code == 204 and response.get_data() == b""
    assert unread_ids(client, admin, code) == [second["id"]]
    assert unread_ids(client, finance, code) == [first["id"], second["id"]]
    assert observation_history(client, admin, code)[0]["action"] == "create"  # no history


def test_acknowledging_twice_is_204_and_keeps_the_first_read(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code, mandatory_reading=True)

    assert acknowledge(client, admin, code, observation["id"]).status_code == 204
    first = reads(app)
    assert acknowledge(client, admin, code, observation["id"]).status_code == 204

    assert len(first) == 1 and reads(app) == first  # same row, same time
    assert unread(client, admin, code) == []


def test_turning_the_flag_off_stops_showing_it_to_everyone(app, client, headers_for):
    code = build_customer(app)
    admin, technician = headers_for("admin"), headers_for("technician")
    observation = write(client, admin, code, mandatory_reading=True)
    assert unread_ids(client, technician, code) == [observation["id"]]

    change(client, admin, code, observation["id"], mandatory_reading=False)

    assert unread(client, technician, code) == [] and unread(client, admin, code) == []
    # Listed still: what was said stays.
    assert listed(client, technician, code)["items"][0]["mandatory_reading"] is False


def test_editing_the_text_makes_everyone_read_it_again(app, client, headers_for):
    code = build_customer(app)
    admin, finance = headers_for("admin"), headers_for("finance")
    observation = write(client, admin, code, text="Deve R$ 100.", mandatory_reading=True)
    acknowledge(client, admin, code, observation["id"])
    acknowledge(client, finance, code, observation["id"])
    assert unread(client, admin, code) == [] and unread(client, finance, code) == []

    change(client, admin, code, observation["id"], text="Deve R$ 200.")

    assert [o["text"] for o in unread(client, admin, code)] == ["Deve R$ 200."]
    assert unread_ids(client, finance, code) == [observation["id"]]
    assert acknowledge(client, finance, code, observation["id"]).status_code == 204
    assert unread(client, finance, code) == []
    assert unread_ids(client, admin, code) == [observation["id"]]
    # The read moved to the new text: one row per user, at version 2 for finance.
    versions = {user_id: version for _obs, user_id, _at, version in reads(app)}
    assert sorted(versions.values()) == [1, 2]


def test_acknowledging_a_text_edited_since_it_was_shown_is_409(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code, text="Primeira.", mandatory_reading=True)
    (shown,) = unread(client, admin, code)
    change(client, admin, code, observation["id"], text="Segunda.")

    response = acknowledge(
        client, admin, code, observation["id"], text_version=shown["text_version"]
    )

    assert "text_version" in assert_envelope(response, 409, "conflict")["errors"]
    assert reads(app) == []
    (again,) = unread(client, admin, code)
    assert (again["text"], again["text_version"]) == ("Segunda.", 2)
    ok = acknowledge(client, admin, code, observation["id"], text_version=again["text_version"])
    assert ok.status_code == 204
    assert unread(client, admin, code) == []


@pytest.mark.parametrize("version", ["0", "dois", "-1", "2147483648"])
def test_a_malformed_text_version_is_422(app, client, admin, version):
    code = build_customer(app)
    observation = write(client, admin, code, mandatory_reading=True)
    response = acknowledge(client, admin, code, observation["id"], text_version=version)
    assert "text_version" in assert_envelope(response, 422, "validation_error")["errors"]
    assert reads(app) == []


def test_changing_only_type_or_flag_does_not_ask_for_another_reading(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code, mandatory_reading=True)
    acknowledge(client, admin, code, observation["id"])

    change(client, admin, code, observation["id"], type="comercial")
    change(client, admin, code, observation["id"], mandatory_reading=False)
    change(client, admin, code, observation["id"], mandatory_reading=True)

    assert unread(client, admin, code) == []


def test_acknowledging_a_non_mandatory_one_is_harmless(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code, text="Informativa.")

    assert acknowledge(client, admin, code, observation["id"]).status_code == 204

    assert listed(client, admin, code)["items"] == [observation]  # unchanged
    change(client, admin, code, observation["id"], mandatory_reading=True)
    assert unread(client, admin, code) == []  # already read, with this very text


def test_customer_post_and_patch_carry_the_unread_list_too(app, client, admin):
    from tests.web.customer_payloads import pf_payload

    created = client.post(f"{API}/customers", json=pf_payload(), headers=admin).get_json()
    assert created["unread_mandatory_observations"] == []
    code = created["code"]
    observation = write(client, admin, code, mandatory_reading=True)

    patched = client.patch(f"{API}/customers/{code}", json={"notes": "x"}, headers=admin)

    assert patched.status_code == 200
    assert [o["id"] for o in patched.get_json()["unread_mandatory_observations"]] == [
        observation["id"]
    ]


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "attendant"])
def test_admin_and_attendant_write_change_and_acknowledge(app, client, headers_for, role):
    code = build_customer(app)
    headers = headers_for(role)
    observation = write(client, headers, code, mandatory_reading=True)
    assert change(client, headers, code, observation["id"], text="Novo.")["text"] == "Novo."
    assert acknowledge(client, headers, code, observation["id"]).status_code == 204
    assert unread(client, headers, code) == []
    assert listed(client, headers, code)["total"] == 1


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_finance_and_technician_read_and_acknowledge_but_do_not_write(
    app, client, headers_for, role
):
    code = build_customer(app)
    admin, reader = headers_for("admin"), headers_for(role)
    observation = write(client, admin, code, mandatory_reading=True)
    url = obs_url(code, observation["id"])

    assert listed(client, reader, code)["items"] == [observation]
    assert client.get(url, headers=reader).get_json() == observation
    assert unread_ids(client, reader, code) == [observation["id"]]
    assert acknowledge(client, reader, code, observation["id"]).status_code == 204
    assert unread(client, reader, code) == []

    body = {"type": "geral", "text": "Não pode."}
    assert_envelope(client.post(obs_url(code), json=body, headers=reader), 403, "forbidden")
    assert_envelope(client.patch(url, json={"text": "x"}, headers=reader), 403, "forbidden")
    assert listed(client, admin, code)["items"] == [observation]


def test_no_token_is_401_everywhere(app, client, admin):
    code = build_customer(app)
    observation = write(client, admin, code, mandatory_reading=True)
    url = obs_url(code, observation["id"])
    assert_envelope(client.get(obs_url(code)), 401, "unauthorized")
    assert_envelope(client.post(obs_url(code), json={}), 401, "unauthorized")
    assert_envelope(client.get(url), 401, "unauthorized")
    assert_envelope(client.patch(url, json={"text": "x"}), 401, "unauthorized")
    assert_envelope(client.post(f"{url}/acknowledge"), 401, "unauthorized")
    assert reads(app) == []


def test_the_openapi_document_shows_the_unread_list_on_the_customer(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    paths = spec["paths"]
    record = spec["components"]["schemas"]["CustomerRecord"]
    assert "unread_mandatory_observations" in record["required"]
    for method, path in (("get", "/{code}"), ("patch", "/{code}"), ("post", "")):
        operation = paths[f"{API}/customers{path}"][method]
        (body,) = (r for status, r in operation["responses"].items() if status.startswith("2"))
        assert body["content"]["application/json"]["schema"]["$ref"].endswith("/CustomerRecord")
    acknowledge_responses = paths[
        f"{API}/customers/{{code}}/observations/{{observation_id}}/acknowledge"
    ]["post"]["responses"]
    assert {"204", "401", "404", "409", "422"} <= set(acknowledge_responses)
    assert "403" not in acknowledge_responses  # every role may acknowledge
