"""Subscriptions: the contract, its terms, suspend / enable / cancel and the installation."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from models.clock import local_today
from models.db import db
from tests.builders import (
    build_customer,
    build_login,
    build_open_session,
    build_plan,
    build_subscription,
)
from tests.query_counter import counting_statements
from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import address

SUBSCRIPTIONS = f"{API}/subscriptions"


def subscriptions_of(code: int) -> str:
    return f"{API}/customers/{code}/subscriptions"


def today(app) -> date:
    with app.app_context():
        return local_today()


def next_due(day: date, due_day: int) -> date:
    """The first `due_day` after `day` (independent of the app's own computation)."""
    if day.day < due_day:
        return day.replace(day=due_day)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, due_day)


def sql(app, statement: str, **params) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(statement), params)]


def group_of(app, username: str) -> list[str]:
    rows = sql(app, "SELECT groupname FROM radusergroup WHERE username = :u", u=username)
    return [row[0] for row in rows]


def history_total(client, headers, code: int) -> int:
    return client.get(f"{API}/customers/{code}/history", headers=headers).get_json()["total"]


def get(client, headers, subscription_id: int) -> dict:
    response = client.get(f"{SUBSCRIPTIONS}/{subscription_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def act(client, headers, subscription_id: int, action: str, **body):
    url = f"{SUBSCRIPTIONS}/{subscription_id}/{action}"
    return client.post(url, json=body or None, headers=headers)


def must(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


# --- creating ---------------------------------------------------------------------------------


def test_a_subscription_gets_the_plan_s_price_and_the_next_due_day(app, client, headers_for):
    code, plan_id = build_customer(app), build_plan(app, price="89.90")
    staff = headers_for("attendant")

    response = client.post(
        subscriptions_of(code), json={"plan_id": plan_id, "due_day": 10}, headers=staff
    )

    sub = must(response, 201)
    assert response.headers["Location"] == f"{SUBSCRIPTIONS}/{sub['id']}"
    assert sub["customer_code"] == code
    assert sub["plan"]["id"] == plan_id
    assert sub["plan"]["radius_group"] == f"plano-{plan_id}"
    assert sub["status"] == "active"
    assert (sub["price"], sub["discount"], sub["monthly_amount"]) == ("89.90", "0.00", "89.90")
    assert sub["first_due_date"] == next_due(today(app), 10).isoformat()
    assert sub["installation_address"] is None and sub["billing_address"] is None
    assert get(client, staff, sub["id"]) == sub


def test_given_terms_and_addresses_are_kept(app, client, admin):
    code, plan_id = build_customer(app), build_plan(app)
    first_due = today(app) + timedelta(days=40)
    payload = {
        "plan_id": plan_id,
        "due_day": 28,
        "price": "120.00",
        "discount": "20.50",
        "first_due_date": first_due.isoformat(),
        "installation_address": address(street="Rua Vergueiro", number="77"),
        "billing_address": address(),
        "notes": "Portão azul",
    }

    sub = must(client.post(subscriptions_of(code), json=payload, headers=admin), 201)

    assert (sub["price"], sub["discount"], sub["monthly_amount"]) == ("120.00", "20.50", "99.50")
    assert sub["first_due_date"] == first_due.isoformat()
    assert sub["due_day"] == 28
    assert sub["installation_address"] == address(street="Rua Vergueiro", number="77")
    assert sub["billing_address"] == address()
    assert sub["notes"] == "Portão azul"


def test_a_discount_equal_to_the_price_is_allowed(app, client, admin):
    code, plan_id = build_customer(app), build_plan(app, price="50.00")
    body = {"plan_id": plan_id, "due_day": 5, "discount": "50.00"}
    sub = must(client.post(subscriptions_of(code), json=body, headers=admin), 201)
    assert sub["monthly_amount"] == "0.00"


def test_an_unknown_customer_is_404(app, client, admin):
    body = {"plan_id": build_plan(app), "due_day": 10}
    assert_envelope(client.post(subscriptions_of(999), json=body, headers=admin), 404, "not_found")
    assert_envelope(client.get(subscriptions_of(999), headers=admin), 404, "not_found")
    assert_envelope(client.get(f"{SUBSCRIPTIONS}/999", headers=admin), 404, "not_found")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("plan_id", 999),
        ("plan_id", "1"),
        ("due_day", 0),
        ("due_day", 29),
        ("discount", "99.91"),  # the plan costs 99.90
        ("price", "1.234"),
        ("price", 99.9),
        ("first_due_date", "yesterday"),
        ("installation_address", {"street": "Rua Augusta"}),
        ("billing_address", "Rua Augusta, 500"),
        ("color", "blue"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_adds_nothing(app, client, admin, field, value):
    code, plan_id = build_customer(app), build_plan(app)
    before = history_total(client, admin, code)
    if value == "yesterday":
        value = (today(app) - timedelta(days=1)).isoformat()

    body = {"plan_id": plan_id, "due_day": 10, field: value}
    response = client.post(subscriptions_of(code), json=body, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.get(subscriptions_of(code), headers=admin).get_json()["total"] == 0
    assert history_total(client, admin, code) == before


def test_a_withdrawn_plan_is_no_longer_sold(app, client, admin):
    code, plan_id = build_customer(app), build_plan(app, active=False)
    body = {"plan_id": plan_id, "due_day": 10}
    response = client.post(subscriptions_of(code), json=body, headers=admin)
    assert "plan_id" in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.get(subscriptions_of(code), headers=admin).get_json()["total"] == 0


def test_an_inactive_customer_cannot_subscribe(app, client, admin):
    code, plan_id = build_customer(app), build_plan(app)
    must(client.patch(f"{API}/customers/{code}", json={"active": False}, headers=admin))

    body = {"plan_id": plan_id, "due_day": 10}
    assert_envelope(client.post(subscriptions_of(code), json=body, headers=admin), 409, "conflict")
    assert client.get(subscriptions_of(code), headers=admin).get_json()["total"] == 0


def test_creating_is_in_the_customer_history(app, client, headers_for):
    code, plan_id = build_customer(app), build_plan(app)
    body = {"plan_id": plan_id, "due_day": 10}
    sub = must(
        client.post(subscriptions_of(code), json=body, headers=headers_for("attendant")), 201
    )

    entries = client.get(f"{API}/customers/{code}/history", headers=headers_for("admin"))
    entry = entries.get_json()["items"][0]
    assert (entry["entity"], entry["entity_id"], entry["action"]) == (
        "subscriptions",
        str(sub["id"]),
        "create",
    )
    assert entry["username"] == "attendant.user"
    changes = {change["field"]: change["new"] for change in entry["changes"]}
    assert changes["plan_id"] == plan_id
    assert changes["status"] == "active"


# --- listing ----------------------------------------------------------------------------------


def test_active_lists_active_and_suspended_and_inactive_lists_cancelled(app, client, admin):
    code = build_customer(app)
    active, suspended, cancelled = (build_subscription(app, code) for _ in range(3))
    must(act(client, admin, suspended, "suspend"))
    must(act(client, admin, cancelled, "cancel", cancel_reason="Outros"))

    def ids(**query):
        page = client.get(subscriptions_of(code), query_string=query, headers=admin).get_json()
        return [sub["id"] for sub in page["items"]]

    assert ids() == [cancelled, suspended, active]  # newest first
    assert ids(status="active") == [suspended, active]
    assert ids(status="inactive") == [cancelled]
    bad = client.get(subscriptions_of(code), query_string={"status": "cancelled"}, headers=admin)
    assert "status" in assert_envelope(bad, 422, "validation_error")["errors"]


# --- changing the terms -----------------------------------------------------------------------


def test_a_patch_changes_only_the_terms_it_names_and_is_in_the_history(app, client, admin):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    before = get(client, admin, sub_id)

    response = client.patch(
        f"{SUBSCRIPTIONS}/{sub_id}", json={"discount": "9.90", "due_day": 15}, headers=admin
    )

    changed = must(response)
    assert changed == {**before, "discount": "9.90", "due_day": 15, "monthly_amount": "90.00"}
    entry = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["items"][0]
    assert (entry["entity"], entry["action"], entry["username"]) == (
        "subscriptions",
        "update",
        "admin.user",
    )
    assert {c["field"]: (c["old"], c["new"]) for c in entry["changes"]} == {
        "discount": ("0.00", "9.90"),
        "due_day": (10, 15),
    }


def test_a_new_plan_of_the_same_kind_moves_the_logins_to_its_group(app, client, admin):
    sub_id = build_subscription(app)
    build_login(app, sub_id, "maria")
    new_plan = build_plan(app)

    changed = must(
        client.patch(f"{SUBSCRIPTIONS}/{sub_id}", json={"plan_id": new_plan}, headers=admin)
    )

    assert changed["plan"]["id"] == new_plan
    assert group_of(app, "maria") == [f"plano-{new_plan}"]


def test_a_plan_of_another_kind_is_a_conflict(app, client, admin):
    sub_id = build_subscription(app)
    before = get(client, admin, sub_id)
    voip = build_plan(app, kind="voip")

    response = client.patch(f"{SUBSCRIPTIONS}/{sub_id}", json={"plan_id": voip}, headers=admin)

    assert_envelope(response, 409, "conflict")
    assert get(client, admin, sub_id) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"discount": "99.91"},
        {"price": "5.00", "discount": "6.00"},
        {"due_day": 29},
        {"plan_id": 999},
        {"status": "cancelled"},
    ],
)
def test_a_patch_that_changes_nothing_valid_is_422_and_changes_nothing(app, client, admin, body):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    before, entries = get(client, admin, sub_id), history_total(client, admin, code)

    response = client.patch(f"{SUBSCRIPTIONS}/{sub_id}", json=body, headers=admin)

    assert_envelope(response, 422, "validation_error")
    assert get(client, admin, sub_id) == before
    assert history_total(client, admin, code) == entries


@pytest.mark.parametrize("field", ["installation_address", "billing_address"])
def test_a_patched_address_must_be_whole(app, client, admin, field):
    code, plan_id = build_customer(app), build_plan(app)
    body = {"plan_id": plan_id, "due_day": 10, "installation_address": address()}
    body["billing_address"] = address()
    before = must(client.post(subscriptions_of(code), json=body, headers=admin), 201)
    sub_id = before["id"]

    response = client.patch(
        f"{SUBSCRIPTIONS}/{sub_id}", json={field: {"street": "Rua Augusta"}}, headers=admin
    )

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert get(client, admin, sub_id) == before


def test_a_cancelled_subscription_cannot_change(app, client, admin):
    sub_id = build_subscription(app)
    must(act(client, admin, sub_id, "cancel", cancel_reason="Outros"))
    before = get(client, admin, sub_id)

    response = client.patch(f"{SUBSCRIPTIONS}/{sub_id}", json={"due_day": 20}, headers=admin)

    assert_envelope(response, 409, "conflict")
    assert get(client, admin, sub_id) == before


# --- suspend, enable, cancel ------------------------------------------------------------------


def test_an_active_login_authenticates_into_the_plan_s_group_with_its_rate(app, client, admin):
    plan_id = build_plan(app, download_kbps=300_000, upload_kbps=150_000)
    sub_id = build_subscription(app, plan_id=plan_id)
    build_login(app, sub_id, "maria", password="s3nha-forte")

    assert sql(app, "SELECT attribute, op, value FROM radcheck WHERE username = 'maria'") == [
        ("Cleartext-Password", ":=", "s3nha-forte")
    ]
    assert group_of(app, "maria") == [f"plano-{plan_id}"]
    assert sql(
        app, "SELECT attribute, value FROM radgroupreply WHERE groupname = :g", g=f"plano-{plan_id}"
    ) == [("Mikrotik-Rate-Limit", "150000k/300000k")]


def test_suspending_moves_the_logins_to_the_rejected_group(app, client, headers_for):
    sub_id = build_subscription(app)
    build_login(app, sub_id, "maria")

    sub = must(act(client, headers_for("attendant"), sub_id, "suspend"))

    assert sub["status"] == "suspended"
    assert sub["status_changed_at"] is not None
    assert group_of(app, "maria") == ["suspenso"]
    assert sql(
        app,
        "SELECT groupname, attribute, op, value FROM radgroupcheck WHERE groupname = 'suspenso'",
    ) == [("suspenso", "Auth-Type", ":=", "Reject")]
    assert len(sql(app, "SELECT id FROM radcheck WHERE username = 'maria'")) == 1


def test_status_changes_are_in_the_history_with_who_made_them(app, client, headers_for):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    must(act(client, headers_for("attendant"), sub_id, "suspend"))
    must(act(client, headers_for("admin"), sub_id, "cancel", cancel_reason="Outros"))

    page = client.get(f"{API}/customers/{code}/history", headers=headers_for("admin")).get_json()
    updates = [
        e for e in page["items"] if e["entity"] == "subscriptions" and e["action"] == "update"
    ]
    statuses = [
        (e["username"], next(c for c in e["changes"] if c["field"] == "status")) for e in updates
    ]
    assert [(user, change["old"], change["new"]) for user, change in statuses] == [
        ("admin.user", "suspended", "cancelled"),
        ("attendant.user", "active", "suspended"),
    ]


def test_enabling_returns_the_logins_to_the_plan_s_group(app, client, admin):
    plan_id = build_plan(app)
    sub_id = build_subscription(app, plan_id=plan_id)
    build_login(app, sub_id, "maria")
    must(act(client, admin, sub_id, "suspend"))

    assert must(act(client, admin, sub_id, "enable"))["status"] == "active"
    assert group_of(app, "maria") == [f"plano-{plan_id}"]


def test_cancelling_keeps_the_reason_and_removes_every_radius_row(app, client, admin):
    sub_id = build_subscription(app)
    login = build_login(app, sub_id, "maria")
    ip = {"kind": "ip", "ip_address": "100.64.0.10", "login_item_id": login}
    must(client.post(f"{SUBSCRIPTIONS}/{sub_id}/items", json=ip, headers=admin), 201)

    sub = must(act(client, admin, sub_id, "cancel", cancel_reason="Mudança de endereço"))

    assert (sub["status"], sub["cancel_reason"]) == ("cancelled", "Mudança de endereço")
    for table in ("radcheck", "radreply", "radusergroup"):
        statement = f"SELECT id FROM {table} WHERE username = 'maria'"  # noqa: S608
        assert sql(app, statement) == [], table


@pytest.mark.parametrize("body", [{}, {"cancel_reason": "Não quis"}, {"cancel_reason": ""}])
def test_cancelling_needs_one_of_the_listed_reasons(app, client, admin, body):
    sub_id = build_subscription(app)
    build_login(app, sub_id, "maria")
    before = get(client, admin, sub_id)

    response = client.post(f"{SUBSCRIPTIONS}/{sub_id}/cancel", json=body, headers=admin)

    assert "cancel_reason" in assert_envelope(response, 422, "validation_error")["errors"]
    assert get(client, admin, sub_id) == before
    assert len(group_of(app, "maria")) == 1


@pytest.mark.parametrize(
    ("done", "action"),
    [
        (["suspend"], "suspend"),
        (["cancel"], "suspend"),
        ([], "enable"),
        (["cancel"], "enable"),
        (["suspend", "cancel"], "cancel"),
    ],
)
def test_an_action_that_does_not_fit_the_status_is_a_conflict(app, client, admin, done, action):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    for step in done:
        must(
            act(
                client,
                admin,
                sub_id,
                step,
                **({"cancel_reason": "Outros"} if step == "cancel" else {}),
            )
        )
    before, entries = get(client, admin, sub_id), history_total(client, admin, code)

    body = {"cancel_reason": "Outros"} if action == "cancel" else {}
    assert_envelope(act(client, admin, sub_id, action, **body), 409, "conflict")
    assert get(client, admin, sub_id) == before
    assert history_total(client, admin, code) == entries


def test_an_unknown_subscription_is_404_for_every_action(client, admin):
    for action in ("suspend", "enable"):
        assert_envelope(act(client, admin, 999, action), 404, "not_found")
    assert_envelope(act(client, admin, 999, "cancel", cancel_reason="Outros"), 404, "not_found")


def disconnects(client, headers) -> list[dict]:
    return client.get(f"{API}/radius/disconnects", headers=headers).get_json()["items"]


def test_suspending_a_login_with_an_open_session_owes_a_disconnect(app, client, admin):
    sub_id = build_subscription(app)
    build_login(app, sub_id, "maria")
    build_open_session(app, "maria")

    must(act(client, admin, sub_id, "suspend"))

    (owed,) = disconnects(client, admin)
    assert (owed["username"], owed["cause"], owed["subscription_id"]) == (
        "maria",
        "suspend",
        sub_id,
    )
    assert (owed["acct_session_id"], owed["nas_ip"]) == ("sess-1", "127.0.0.1")
    # Owed, not given up: a worker of this test run may be trying (the NAS is not registered).
    assert owed["status"] in ("pending", "sending")
    must(act(client, admin, sub_id, "enable"))
    assert len(disconnects(client, admin)) == 1  # enabling disconnects nobody


def test_cancelling_a_login_with_an_open_session_owes_a_disconnect(app, client, admin):
    sub_id = build_subscription(app)
    build_login(app, sub_id, "maria")
    build_open_session(app, "maria")

    must(act(client, admin, sub_id, "cancel", cancel_reason="Outros"))

    assert [(d["username"], d["cause"]) for d in disconnects(client, admin)] == [
        ("maria", "cancel")
    ]


def test_a_login_without_an_open_session_owes_no_disconnect(app, client, admin):
    sub_id = build_subscription(app)
    build_login(app, sub_id, "maria")
    must(act(client, admin, sub_id, "suspend"))
    assert disconnects(client, admin) == []


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_finance_and_technicians_read_but_cannot_change_subscriptions(
    app, client, admin, headers_for, role
):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    before, staff = get(client, admin, sub_id), headers_for(role)

    assert get(client, staff, sub_id) == before
    assert client.get(subscriptions_of(code), headers=staff).status_code == 200
    body = {"plan_id": before["plan"]["id"], "due_day": 10}
    assert_envelope(client.post(subscriptions_of(code), json=body, headers=staff), 403, "forbidden")
    patched = client.patch(f"{SUBSCRIPTIONS}/{sub_id}", json={"due_day": 2}, headers=staff)
    assert_envelope(patched, 403, "forbidden")
    for action in ("suspend", "enable"):
        assert_envelope(act(client, staff, sub_id, action), 403, "forbidden")
    cancelled = act(client, staff, sub_id, "cancel", cancel_reason="Outros")
    assert_envelope(cancelled, 403, "forbidden")
    assert get(client, admin, sub_id) == before
    assert client.get(subscriptions_of(code), headers=admin).get_json()["total"] == 1


def test_subscriptions_need_a_token(app, client):
    sub_id = build_subscription(app)
    assert_envelope(client.get(f"{SUBSCRIPTIONS}/{sub_id}"), 401, "unauthorized")
    assert_envelope(act(client, {}, sub_id, "suspend"), 401, "unauthorized")


# --- installation -----------------------------------------------------------------------------


@pytest.fixture
def technician(make_user):
    return make_user("tecnico.joao", "technician")


def installation(app, technician, **fields) -> dict:
    body = {
        "date": (today(app) + timedelta(days=3)).isoformat(),
        "period": "morning",
        "technician_id": technician.id,
    }
    body.update(fields)
    return body


def install(client, headers, sub_id, body):
    return client.post(f"{SUBSCRIPTIONS}/{sub_id}/installation", json=body, headers=headers)


def test_an_installation_is_scheduled_then_rescheduled_in_place(
    app, client, headers_for, technician
):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    staff = headers_for("attendant")

    first = must(install(client, staff, sub_id, installation(app, technician, notes="Ligar")), 201)
    assert first["subscription_id"] == sub_id and first["customer_code"] == code
    assert (first["period"], first["starts_at"], first["ends_at"]) == ("morning", None, None)
    assert (first["technician_id"], first["technician"]) == (technician.id, "tecnico.joao")

    later = (today(app) + timedelta(days=5)).isoformat()
    body = installation(app, technician, date=later, period="window", starts_at="14:00")
    body["ends_at"] = "16:30"
    second = must(install(client, staff, sub_id, body), 200)

    assert second["id"] == first["id"]
    assert (second["date"], second["period"]) == (later, "window")
    assert (second["starts_at"], second["ends_at"]) == ("14:00", "16:30")
    shown = client.get(f"{SUBSCRIPTIONS}/{sub_id}/installation", headers=staff).get_json()
    assert shown == second


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("technician_id", {"technician_id": "attendant"}),
        ("technician_id", {"technician_id": 999}),
        ("date", {"date": "yesterday"}),
        ("period", {"period": "night"}),
        ("starts_at", {"period": "window"}),
        ("ends_at", {"period": "window", "starts_at": "08:00"}),
        ("starts_at", {"starts_at": "08:00"}),
        ("ends_at", {"period": "afternoon", "ends_at": "18:00"}),
        ("ends_at", {"period": "window", "starts_at": "10:00", "ends_at": "09:00"}),
        ("ends_at", {"period": "window", "starts_at": "10:00", "ends_at": "10:00"}),
        ("color", {"color": "blue"}),
    ],
)
def test_a_bad_installation_is_422_naming_the_field_and_schedules_nothing(
    app, client, admin, headers_for, technician, field, changes
):
    sub_id = build_subscription(app)
    if changes.get("technician_id") == "attendant":
        headers_for("attendant")  # an active user, but not a technician
        changes = {"technician_id": _user_id(app, "attendant.user")}
    if changes.get("date") == "yesterday":
        changes = {"date": (today(app) - timedelta(days=1)).isoformat()}

    response = install(client, admin, sub_id, installation(app, technician, **changes))

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    missing = client.get(f"{SUBSCRIPTIONS}/{sub_id}/installation", headers=admin)
    assert_envelope(missing, 404, "not_found")


def _user_id(app, username: str) -> int:
    return sql(app, "SELECT id FROM users WHERE username = :u", u=username)[0][0]


def test_an_inactive_technician_is_refused(app, client, admin, make_user):
    retired = make_user("tecnico.antigo", "technician", active=False)
    sub_id = build_subscription(app)
    response = install(client, admin, sub_id, installation(app, retired))
    assert "technician_id" in assert_envelope(response, 422, "validation_error")["errors"]


def test_a_cancelled_subscription_gets_no_installation(app, client, admin, technician):
    sub_id = build_subscription(app)
    must(act(client, admin, sub_id, "cancel", cancel_reason="Outros"))
    assert_envelope(install(client, admin, sub_id, installation(app, technician)), 409, "conflict")


def test_finance_and_technicians_cannot_schedule_installations(
    app, client, headers_for, technician
):
    sub_id = build_subscription(app)
    for role in ("finance", "technician"):
        response = install(client, headers_for(role), sub_id, installation(app, technician))
        assert_envelope(response, 403, "forbidden")


def test_the_agenda_filters_by_day_and_technician(app, client, admin, make_user, technician):
    other = make_user("tecnico.ana", "technician")
    day, next_day = today(app) + timedelta(days=1), today(app) + timedelta(days=2)
    subs = [build_subscription(app) for _ in range(3)]
    must(install(client, admin, subs[0], installation(app, technician, date=day.isoformat())), 201)
    must(install(client, admin, subs[1], installation(app, other, date=day.isoformat())), 201)
    body = installation(app, technician, date=next_day.isoformat())
    must(install(client, admin, subs[2], body), 201)

    def agenda(**query) -> list[int]:
        page = client.get(f"{API}/installations", query_string=query, headers=admin).get_json()
        return sorted(item["subscription_id"] for item in page["items"])

    assert agenda() == sorted(subs)
    assert agenda(date=day.isoformat()) == sorted(subs[:2])
    assert agenda(technician=technician.id) == sorted([subs[0], subs[2]])
    assert agenda(date=day.isoformat(), technician=other.id) == [subs[1]]
    bad = client.get(f"{API}/installations", query_string={"date": "amanhã"}, headers=admin)
    assert "date" in assert_envelope(bad, 422, "validation_error")["errors"]


def test_the_agenda_says_whom_to_visit_where_how_to_call_them_what_to_install_and_when(
    app, client, admin, technician, token_for
):
    day = (today(app) + timedelta(days=1)).isoformat()
    ana = build_customer(app, name="Ana Nogueira", phone="(11) 3333-4444",
                         mobile="(11) 98765-4321")  # fmt: skip
    plan_id = build_plan(app, name="Fibra 300")
    elsewhere = address(street="Rua Augusta", number="500", complement=None, reference=None)
    body = {"plan_id": plan_id, "due_day": 10, "installation_address": elsewhere}
    sub_id = must(client.post(f"{API}/customers/{ana}/subscriptions", json=body,
                              headers=admin), 201)["id"]  # fmt: skip
    window = installation(app, technician, date=day, period="window", starts_at="14:00",
                          ends_at="16:00")  # fmt: skip
    must(install(client, admin, sub_id, window), 201)
    joao = build_customer(app, name="João Lima", phone=None, mobile="(21) 99876-5432")
    must(install(client, admin, build_subscription(app, joao, plan_id),
                 installation(app, technician, date=day)), 201)  # fmt: skip
    customers_many = [build_customer(app) for _ in range(3)]
    for code in customers_many:
        must(install(client, admin, build_subscription(app, code, plan_id),
                     installation(app, technician, date=day, period="evening")), 201)  # fmt: skip

    reader = {"Authorization": f"Bearer {token_for(technician)}"}  # the technician's own
    with counting_statements(app) as statements:
        page = client.get(f"{API}/installations", query_string={"date": day}, headers=reader)
    items = must(page)["items"]

    first, second = items[0], items[1]
    assert (first["customer_code"], first["customer_name"]) == (joao, "João Lima")
    assert (first["phone"], first["mobile"]) == (None, "(21) 99876-5432")
    assert first["address"]["street"] == "Avenida Paulista"  # no address of its own: the
    assert (first["plan"], first["visit_window"]) == ("Fibra 300", "manhã")  # customer's
    assert (second["customer_code"], second["customer_name"]) == (ana, "Ana Nogueira")
    assert (second["phone"], second["mobile"]) == ("(11) 3333-4444", "(11) 98765-4321")
    assert (second["address"]["street"], second["address"]["number"]) == ("Rua Augusta", "500")
    assert second["address"]["cep"] == "01310-100"
    assert (second["plan"], second["visit_window"]) == ("Fibra 300", "14:00-16:00")
    assert [item["visit_window"] for item in items[2:]] == ["noite"] * 3
    # The customers of a whole page come in one query, not one a visit.
    assert len(statements) <= 5, statements  # 4 today: token, count, page, customers


def test_the_agenda_of_a_day_runs_from_morning_to_evening(app, client, admin, technician):
    day = (today(app) + timedelta(days=1)).isoformat()
    for period in ("evening", "morning", "afternoon"):
        body = installation(app, technician, date=day, period=period)
        must(install(client, admin, build_subscription(app), body), 201)

    page = client.get(f"{API}/installations", query_string={"date": day}, headers=admin).get_json()

    assert [item["period"] for item in page["items"]] == ["morning", "afternoon", "evening"]
