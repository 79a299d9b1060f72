"""Items of a subscription: mailboxes, RADIUS logins, fixed IPs and phone terminals."""

import pytest
from sqlalchemy import text

from models.db import db
from tests.builders import (
    build_customer,
    build_login,
    build_open_session,
    build_plan,
    build_subscription,
)
from tests.web.api_helpers import API, assert_envelope

PASSWORD = "s3nha-segura"


def items_url(sub_id: int) -> str:
    return f"{API}/subscriptions/{sub_id}/items"


def sql(app, statement: str, **params) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(statement), params)]


def radius_rows(app, username: str) -> dict[str, list[tuple]]:
    return {
        "radcheck": sql(
            app, "SELECT attribute, value FROM radcheck WHERE username = :u", u=username
        ),
        "radreply": sql(
            app, "SELECT attribute, value FROM radreply WHERE username = :u", u=username
        ),
        "radusergroup": sql(
            app, "SELECT groupname FROM radusergroup WHERE username = :u", u=username
        ),
    }


def add(client, headers, sub_id: int, **body):
    return client.post(items_url(sub_id), json=body, headers=headers)


def added(client, headers, sub_id: int, **body) -> dict:
    response = add(client, headers, sub_id, **body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, headers, sub_id: int, **query) -> list[dict]:
    response = client.get(items_url(sub_id), query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def login(username: str = "maria", **fields) -> dict:
    return {"kind": "radius_login", "username": username, "password": PASSWORD, **fields}


def mailbox(address: str = "maria@provedor.example.com", **fields) -> dict:
    return {"kind": "email", "address": address, "password": PASSWORD, **fields}


def customer_code_of(app, sub_id: int) -> int:
    return sql(app, "SELECT customer_code FROM subscriptions WHERE id = :i", i=sub_id)[0][0]


def history_total(client, headers, code: int) -> int:
    return client.get(f"{API}/customers/{code}/history", headers=headers).get_json()["total"]


# --- mailboxes --------------------------------------------------------------------------------


def test_a_mailbox_is_stored_in_lower_case_and_its_password_is_never_shown(
    app, client, headers_for
):
    sub_id = build_subscription(app)
    staff = headers_for("attendant")

    response = add(client, staff, sub_id, **mailbox("Maria@Provedor.Example.COM", quota_mb=500))

    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert item["kind"] == "email"
    assert item["address"] == "maria@provedor.example.com"
    assert item["quota_mb"] == 500
    assert "password" not in item and PASSWORD not in response.get_data(as_text=True)
    assert response.headers["Location"] == f"{items_url(sub_id)}/{item['id']}"
    assert client.get(response.headers["Location"], headers=staff).get_json() == item
    assert listed(client, staff, sub_id) == [item]


def test_a_mailbox_address_is_one_mailbox_s_only_whatever_the_case(app, client, admin):
    first, second = build_subscription(app), build_subscription(app)
    added(client, admin, first, **mailbox())

    response = add(client, admin, second, **mailbox("MARIA@provedor.example.com"))

    assert "address" in assert_envelope(response, 409, "conflict")["errors"]
    assert listed(client, admin, second) == []


# --- RADIUS logins ----------------------------------------------------------------------------


def test_a_login_reaches_radius_at_once_and_its_password_is_never_shown(app, client, admin):
    plan_id = build_plan(app)
    sub_id = build_subscription(app, plan_id=plan_id)

    response = add(client, admin, sub_id, **login(mac="00:1a:2b:3c:4d:5e"))

    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert (item["kind"], item["username"], item["mac"]) == (
        "radius_login",
        "maria",
        "00:1a:2b:3c:4d:5e",  # one notation for every MAC
    )
    assert PASSWORD not in response.get_data(as_text=True)
    assert PASSWORD not in client.get(items_url(sub_id), headers=admin).get_data(as_text=True)
    assert radius_rows(app, "maria") == {
        "radcheck": [("Cleartext-Password", PASSWORD)],
        "radreply": [],
        "radusergroup": [(f"plano-{plan_id}",)],
    }


def test_a_login_on_a_suspended_subscription_goes_to_the_suspended_group(app, client, admin):
    sub_id = build_subscription(app)
    client.post(f"{API}/subscriptions/{sub_id}/suspend", headers=admin)

    added(client, admin, sub_id, **login())

    assert radius_rows(app, "maria")["radusergroup"] == [("suspenso",)]


def test_passwords_are_not_in_the_history(app, client, admin):
    sub_id = build_subscription(app)
    code = customer_code_of(app, sub_id)
    added(client, admin, sub_id, **login())
    added(client, admin, sub_id, **mailbox())

    history = client.get(f"{API}/customers/{code}/history", headers=admin)

    assert history.status_code == 200
    assert PASSWORD not in history.get_data(as_text=True)


@pytest.mark.parametrize("username", ["Maria", "maria silva", "maria!", "m" * 65, ""])
def test_a_login_is_lower_case_letters_digits_and_dots(app, client, admin, username):
    sub_id = build_subscription(app)
    response = add(client, admin, sub_id, **login(username))
    assert "username" in assert_envelope(response, 422, "validation_error")["errors"]
    assert listed(client, admin, sub_id) == []


def test_a_login_is_one_subscription_s_only(app, client, admin):
    first, second = build_subscription(app), build_subscription(app)
    build_login(app, first, "maria", password="outra-senha")

    response = add(client, admin, second, **login())

    assert "username" in assert_envelope(response, 409, "conflict")["errors"]
    assert listed(client, admin, second) == []
    assert radius_rows(app, "maria")["radcheck"] == [("Cleartext-Password", "outra-senha")]


def test_a_login_s_new_password_and_mac_reach_radius(app, client, admin):
    sub_id = build_subscription(app)
    item_id = build_login(app, sub_id, "maria")

    response = client.patch(
        f"{items_url(sub_id)}/{item_id}",
        json={"password": "nova-senha-1", "mac": "aa:bb:cc:dd:ee:ff"},
        headers=admin,
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["mac"] == "aa:bb:cc:dd:ee:ff"
    assert "nova-senha-1" not in response.get_data(as_text=True)
    assert radius_rows(app, "maria")["radcheck"] == [("Cleartext-Password", "nova-senha-1")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "curta"}, "password"),
        ({"password": "com espaço"}, "password"),
        ({"mac": "00:1A:2B:3C:4D"}, "mac"),
        ({"username": "outro"}, "username"),
    ],
)
def test_a_bad_login_change_is_422_and_changes_nothing(app, client, admin, body, field):
    sub_id = build_subscription(app)
    item_id = build_login(app, sub_id, "maria")
    before = radius_rows(app, "maria")

    response = client.patch(f"{items_url(sub_id)}/{item_id}", json=body, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert radius_rows(app, "maria") == before


def test_a_mailbox_field_on_a_login_is_a_409_and_changes_nothing(app, client, admin):
    sub_id = build_subscription(app)
    item_id = build_login(app, sub_id, "maria")
    before = radius_rows(app, "maria")
    # Valid in itself (a quota), but this stored item is a login: it clashes, 409.
    response = client.patch(f"{items_url(sub_id)}/{item_id}", json={"quota_mb": 10}, headers=admin)
    assert "quota_mb" in assert_envelope(response, 409, "conflict")["errors"]
    assert radius_rows(app, "maria") == before


def test_an_empty_change_is_422(app, client, admin):
    sub_id = build_subscription(app)
    item_id = build_login(app, sub_id, "maria")
    response = client.patch(f"{items_url(sub_id)}/{item_id}", json={}, headers=admin)
    assert_envelope(response, 422, "validation_error")


# --- fixed IPs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored", "attribute"),
    [
        ("100.64.0.10", "100.64.0.10", "Framed-IP-Address"),
        ("2001:DB8:0:0::10", "2001:db8::10", "Framed-IPv6-Address"),
    ],
)
def test_a_fixed_ip_is_replied_to_its_login(app, client, admin, given, stored, attribute):
    sub_id = build_subscription(app)
    login_id = build_login(app, sub_id, "maria")

    item = added(client, admin, sub_id, kind="ip", ip_address=given, login_item_id=login_id)

    assert (item["ip_address"], item["login_item_id"], item["login"]) == (
        stored,
        login_id,
        "maria",
    )
    assert radius_rows(app, "maria")["radreply"] == [(attribute, stored)]


@pytest.mark.parametrize("ip_address", ["10.0.0.1", "100.128.0.1", "2001:db9::1", "100.64.0.1/32"])
def test_an_ip_outside_the_pools_is_refused(app, client, admin, ip_address):
    sub_id = build_subscription(app)
    login_id = build_login(app, sub_id, "maria")

    response = add(client, admin, sub_id, kind="ip", ip_address=ip_address, login_item_id=login_id)

    assert "ip_address" in assert_envelope(response, 422, "validation_error")["errors"]
    assert listed(client, admin, sub_id, kind="ip") == []
    assert radius_rows(app, "maria")["radreply"] == []


def test_an_ip_goes_to_a_login_of_the_same_subscription(app, client, admin):
    sub_id, other = build_subscription(app), build_subscription(app)
    foreign = build_login(app, other, "joao")
    mail = added(client, admin, sub_id, **mailbox())

    for login_id in (foreign, mail["id"], 999):
        body = {"kind": "ip", "ip_address": "100.64.0.10", "login_item_id": login_id}
        response = add(client, admin, sub_id, **body)
        assert "login_item_id" in assert_envelope(response, 422, "validation_error")["errors"]
    assert radius_rows(app, "joao")["radreply"] == []


def test_an_ip_is_one_login_s_only(app, client, admin):
    sub_id = build_subscription(app)
    first, second = build_login(app, sub_id, "maria"), build_login(app, sub_id, "joao")
    added(client, admin, sub_id, kind="ip", ip_address="100.64.0.10", login_item_id=first)

    response = add(client, admin, sub_id, kind="ip", ip_address="100.64.0.10", login_item_id=second)

    assert "ip_address" in assert_envelope(response, 409, "conflict")["errors"]
    assert radius_rows(app, "joao")["radreply"] == []


def test_a_fixed_ip_cannot_be_changed(app, client, admin):
    sub_id = build_subscription(app)
    login_id = build_login(app, sub_id, "maria")
    ip = added(client, admin, sub_id, kind="ip", ip_address="100.64.0.10", login_item_id=login_id)
    response = client.patch(f"{items_url(sub_id)}/{ip['id']}", json={"mac": None}, headers=admin)
    assert "mac" in assert_envelope(response, 409, "conflict")["errors"]


# --- phone terminals --------------------------------------------------------------------------


def terminal(number: str = "11987654321", username: str = "sip-maria") -> dict:
    return {"kind": "voip_terminal", "number": number, "username": username}


def test_a_phone_terminal_needs_a_voip_plan(app, client, admin):
    internet = build_subscription(app)
    voip = build_subscription(app, plan_id=build_plan(app, kind="voip"))

    assert_envelope(add(client, admin, internet, **terminal()), 409, "conflict")
    item = added(client, admin, voip, **terminal())
    assert (item["number"], item["username"]) == ("11987654321", "sip-maria")
    assert listed(client, admin, internet) == []


def test_a_login_or_ip_needs_an_internet_plan(app, client, admin):
    voip = build_subscription(app, plan_id=build_plan(app, kind="voip"))
    assert_envelope(add(client, admin, voip, **login()), 409, "conflict")
    assert listed(client, admin, voip) == []


def test_a_phone_number_is_one_terminal_s_only(app, client, admin):
    voip_plan = build_plan(app, kind="voip")
    first, second = (build_subscription(app, plan_id=voip_plan) for _ in range(2))
    added(client, admin, first, **terminal())

    response = add(client, admin, second, **terminal(username="sip-joao"))

    assert "number" in assert_envelope(response, 409, "conflict")["errors"]


def test_a_sip_username_is_one_terminal_s_only(app, client, admin):
    voip_plan = build_plan(app, kind="voip")
    first, second = (build_subscription(app, plan_id=voip_plan) for _ in range(2))
    added(client, admin, first, **terminal())

    response = add(client, admin, second, **terminal(number="11912345678"))

    assert "username" in assert_envelope(response, 409, "conflict")["errors"]
    assert listed(client, admin, second) == []


# --- fields of each kind ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"kind": "email"}, {"address", "password"}),
        ({"kind": "radius_login"}, {"username", "password"}),
        ({"kind": "ip"}, {"ip_address", "login_item_id"}),
        ({"kind": "voip_terminal"}, {"number", "username"}),
        ({}, {"kind"}),
    ],
)
def test_each_kind_s_required_fields_are_named_when_missing(app, client, admin, body, missing):
    sub_id = build_subscription(app)
    response = client.post(items_url(sub_id), json=body, headers=admin)
    assert missing <= set(assert_envelope(response, 422, "validation_error")["errors"])
    assert listed(client, admin, sub_id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (mailbox(username="maria"), "username"),
        (login(quota_mb=100), "quota_mb"),
        (login(number="11987654321"), "number"),
        (terminal() | {"password": PASSWORD}, "password"),
        ({"kind": "fax", "number": "11987654321"}, "kind"),
        (mailbox("não é e-mail"), "address"),
        (login(color="blue"), "color"),
    ],
)
def test_fields_another_kind_uses_are_refused(app, client, admin, body, field):
    sub_id = build_subscription(app)
    response = client.post(items_url(sub_id), json=body, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert listed(client, admin, sub_id) == []


def test_a_cancelled_subscription_takes_no_new_items(app, client, admin):
    sub_id = build_subscription(app)
    client.post(
        f"{API}/subscriptions/{sub_id}/cancel", json={"cancel_reason": "Outros"}, headers=admin
    )

    for body in (login(), mailbox()):
        assert_envelope(add(client, admin, sub_id, **body), 409, "conflict")
    assert listed(client, admin, sub_id) == []
    assert radius_rows(app, "maria")["radcheck"] == []


def test_a_cancelled_subscription_s_items_cannot_change(app, client, admin):
    sub_id = build_subscription(app)
    item_id = build_login(app, sub_id, "maria")
    client.post(
        f"{API}/subscriptions/{sub_id}/cancel", json={"cancel_reason": "Outros"}, headers=admin
    )

    url = f"{items_url(sub_id)}/{item_id}"
    assert_envelope(
        client.patch(url, json={"password": "nova-senha"}, headers=admin), 409, "conflict"
    )
    assert radius_rows(app, "maria")["radcheck"] == []


def test_an_unknown_subscription_or_item_is_404(app, client, admin):
    assert_envelope(add(client, admin, 999, **login()), 404, "not_found")
    assert_envelope(client.get(items_url(999), headers=admin), 404, "not_found")
    sub_id, other = build_subscription(app), build_subscription(app)
    item_id = build_login(app, other, "joao")
    assert_envelope(client.get(f"{items_url(sub_id)}/{item_id}", headers=admin), 404, "not_found")
    gone = client.delete(f"{items_url(sub_id)}/{item_id}", headers=admin)
    assert_envelope(gone, 404, "not_found")
    assert radius_rows(app, "joao")["radcheck"] != []


# --- deleting ---------------------------------------------------------------------------------


def test_a_deleted_login_leaves_radius_and_is_listed_as_deleted(app, client, headers_for):
    sub_id = build_subscription(app)
    code = customer_code_of(app, sub_id)
    item_id = build_login(app, sub_id, "maria")
    staff = headers_for("attendant")
    before = client.get(f"{items_url(sub_id)}/{item_id}", headers=staff).get_json()

    response = client.delete(f"{items_url(sub_id)}/{item_id}", headers=staff)

    assert response.status_code == 204
    assert listed(client, staff, sub_id) == []
    gone = client.get(f"{items_url(sub_id)}/{item_id}", headers=staff)
    assert_envelope(gone, 404, "not_found")
    assert radius_rows(app, "maria") == {"radcheck": [], "radreply": [], "radusergroup": []}
    page = client.get(f"{API}/customers/{code}/deleted-items", headers=staff).get_json()
    assert page["total"] == 1
    (deleted,) = page["items"]
    assert deleted["deleted_by"] == "attendant.user"
    assert deleted["deleted_at"] is not None
    assert {k: v for k, v in deleted.items() if k not in ("deleted_at", "deleted_by")} == before


def test_a_deleted_login_s_username_can_be_used_again(app, client, admin):
    sub_id = build_subscription(app)
    item_id = build_login(app, sub_id, "maria")
    assert client.delete(f"{items_url(sub_id)}/{item_id}", headers=admin).status_code == 204

    again = added(client, admin, build_subscription(app), **login(password="senha-nova"))

    assert again["username"] == "maria"
    assert radius_rows(app, "maria")["radcheck"] == [("Cleartext-Password", "senha-nova")]


def test_a_login_with_a_fixed_ip_cannot_be_deleted_before_the_ip(app, client, admin):
    sub_id = build_subscription(app)
    login_id = build_login(app, sub_id, "maria")
    ip = added(client, admin, sub_id, kind="ip", ip_address="100.64.0.10", login_item_id=login_id)

    refused = client.delete(f"{items_url(sub_id)}/{login_id}", headers=admin)

    assert_envelope(refused, 409, "conflict")
    assert len(listed(client, admin, sub_id)) == 2
    assert client.delete(f"{items_url(sub_id)}/{ip['id']}", headers=admin).status_code == 204
    assert radius_rows(app, "maria")["radreply"] == []
    assert radius_rows(app, "maria")["radcheck"] != []
    assert client.delete(f"{items_url(sub_id)}/{login_id}", headers=admin).status_code == 204


def test_a_deleted_item_is_gone_for_a_second_delete(app, client, admin):
    sub_id = build_subscription(app)
    mail = added(client, admin, sub_id, **mailbox())
    assert client.delete(f"{items_url(sub_id)}/{mail['id']}", headers=admin).status_code == 204
    again = client.delete(f"{items_url(sub_id)}/{mail['id']}", headers=admin)
    assert_envelope(again, 404, "not_found")
    added(client, admin, sub_id, **mailbox())  # the address is free again


def test_deleting_a_login_with_an_open_session_owes_a_disconnect(app, client, admin):
    sub_id = build_subscription(app)
    item_id = build_login(app, sub_id, "maria")
    build_open_session(app, "maria", "sess-9")

    assert client.delete(f"{items_url(sub_id)}/{item_id}", headers=admin).status_code == 204

    owed = client.get(f"{API}/radius/disconnects", headers=admin).get_json()["items"]
    # A worker of this test run may already be trying it (the NAS is not registered).
    assert [(d["username"], d["cause"]) for d in owed] == [("maria", "deleted")]
    assert owed[0]["status"] in ("pending", "sending")


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_finance_and_technicians_read_items_but_cannot_change_them(
    app, client, admin, headers_for, role
):
    sub_id = build_subscription(app)
    code = customer_code_of(app, sub_id)
    item_id = build_login(app, sub_id, "maria")
    staff = headers_for(role)
    before, entries = listed(client, admin, sub_id), history_total(client, admin, code)

    assert listed(client, staff, sub_id) == before
    assert_envelope(add(client, staff, sub_id, **mailbox()), 403, "forbidden")
    url = f"{items_url(sub_id)}/{item_id}"
    assert_envelope(client.patch(url, json={"password": "x" * 8}, headers=staff), 403, "forbidden")
    assert_envelope(client.delete(url, headers=staff), 403, "forbidden")
    assert listed(client, admin, sub_id) == before
    assert history_total(client, admin, code) == entries
    assert radius_rows(app, "maria")["radusergroup"] != []


def test_an_attendant_manages_items(app, client, headers_for):
    sub_id = build_subscription(app)
    staff = headers_for("attendant")
    item = added(client, staff, sub_id, **login())
    url = f"{items_url(sub_id)}/{item['id']}"
    assert client.patch(url, json={"mac": None}, headers=staff).status_code == 200
    assert client.delete(url, headers=staff).status_code == 204


def test_deleted_items_of_an_unknown_customer_are_404(client, admin):
    missing = client.get(f"{API}/customers/999/deleted-items", headers=admin)
    assert_envelope(missing, 404, "not_found")


def test_deleted_items_are_per_customer(app, client, admin):
    mine, theirs = build_customer(app), build_customer(app)
    sub_id = build_subscription(app, mine)
    build_subscription(app, theirs)
    mail = added(client, admin, sub_id, **mailbox())
    client.delete(f"{items_url(sub_id)}/{mail['id']}", headers=admin)

    page = client.get(f"{API}/customers/{theirs}/deleted-items", headers=admin).get_json()
    assert page["total"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "maria\n"),  # "$" in a pattern would let a final line break through
        ("password", "abcdef\n"),
        ("mac", "00:1A:2B:3C:4D:5E\n"),
    ],
)
def test_a_final_line_break_is_refused(app, client, admin, field, value):
    sub_id = build_subscription(app)
    response = add(client, admin, sub_id, **login(**{field: value}))
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert sql(app, "SELECT count(*) FROM radcheck") == [(0,)]


def test_an_ip_with_a_scope_is_refused(app, client, admin):
    sub_id = build_subscription(app)
    login_id = added(client, admin, sub_id, **login())["id"]
    response = add(client, admin, sub_id, kind="ip", ip_address="2001:db8::1%eth0",
                   login_item_id=login_id)  # fmt: skip
    assert "ip_address" in assert_envelope(response, 422, "validation_error")["errors"]


def test_an_id_beyond_integer_is_refused_not_a_500(app, client, admin):
    sub_id = build_subscription(app)
    response = add(client, admin, sub_id, kind="ip", ip_address="100.64.0.9",
                   login_item_id=2**40)  # fmt: skip
    assert "login_item_id" in assert_envelope(response, 422, "validation_error")["errors"]
