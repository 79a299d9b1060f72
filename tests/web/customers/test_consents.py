"""Consents per contact channel (LGPD): the state, changes with who/when/how, and the past."""

import pytest

from models.customers.consents import CHANNELS, has_consent
from tests.builders import build_customer
from tests.web.api_helpers import API, assert_envelope


def consents_url(code: int) -> str:
    return f"{API}/customers/{code}/consents"


def current(client, headers, code: int) -> dict[str, dict]:
    response = client.get(consents_url(code), headers=headers)
    assert response.status_code == 200, response.get_json()
    return {item["channel"]: item for item in response.get_json()["items"]}


def record(client, headers, code: int, **channels):
    return client.put(consents_url(code), json={"channels": channels}, headers=headers)


def past(client, headers, code: int, **query) -> dict:
    url = f"{consents_url(code)}/history"
    response = client.get(url, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def history_total(client, headers, code: int) -> int:
    return client.get(f"{API}/customers/{code}/history", headers=headers).get_json()["total"]


def test_a_channel_never_recorded_is_unknown(app, client, admin):
    code = build_customer(app)
    state = current(client, admin, code)
    assert list(state) == list(CHANNELS)
    for channel in CHANNELS:
        empty = dict.fromkeys(("given", "at", "by", "how", "note"))
        assert state[channel] == {"channel": channel, **empty}


def test_recording_keeps_who_when_and_how(app, client, admin):
    code = build_customer(app)
    response = record(
        client,
        admin,
        code,
        sms={"given": False, "how": "phone", "note": "Pediu por telefone"},
        whatsapp={"given": True, "how": "contract"},
    )
    assert response.status_code == 200, response.get_json()
    state = {item["channel"]: item for item in response.get_json()["items"]}
    assert state == current(client, admin, code)
    assert state["sms"]["given"] is False and state["sms"]["how"] == "phone"
    assert state["sms"]["note"] == "Pediu por telefone"
    assert state["sms"]["by"] == "admin.user" and state["sms"]["at"]
    assert state["whatsapp"]["given"] is True and state["whatsapp"]["note"] is None
    assert state["email"]["given"] is None  # left out: unchanged

    entries = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["items"]
    consent_entries = [e for e in entries if e["entity"] == "consent_records"]
    assert len(consent_entries) == 2
    fields = {c["field"]: c["new"] for c in consent_entries[0]["changes"]}
    assert {"channel", "given", "how", "by"} <= set(fields)


def test_earlier_states_stay_in_the_consent_history(app, client, admin, headers_for):
    code = build_customer(app)
    record(client, admin, code, email={"given": True, "how": "web"})
    attendant = headers_for("attendant")
    record(client, attendant, code, email={"given": False, "how": "email", "note": "Descadastro"})
    assert current(client, admin, code)["email"]["given"] is False

    page = past(client, admin, code)
    assert page["total"] == 2
    newest, oldest = page["items"]
    assert (newest["given"], newest["by"], newest["how"]) == (False, "attendant.user", "email")
    assert (oldest["given"], oldest["by"], oldest["how"]) == (True, "admin.user", "web")
    assert newest["at"] >= oldest["at"]
    assert past(client, admin, code, channel="sms")["total"] == 0
    assert past(client, admin, code, channel="email", per_page=1)["items"] == [newest]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "channels"),
        ({"channels": {}}, "channels"),
        ({"channels": {"fax": {"given": True, "how": "web"}}}, "channels"),
        ({"channels": {"sms": {"how": "web"}}}, "channels"),
        ({"channels": {"sms": {"given": "yes", "how": "web"}}}, "channels"),
        ({"channels": {"sms": {"given": True}}}, "channels"),
        ({"channels": {"sms": {"given": True, "how": "pigeon"}}}, "channels"),
        ({"channels": {"sms": {"given": True, "how": "web", "note": "x" * 501}}}, "channels"),
        ({"channels": {"sms": {"given": True, "how": "web", "at": "2020-01-01"}}}, "channels"),
        ({"channels": {"sms": {"given": True, "how": "web"}}, "by": "someone"}, "by"),
    ],
)
def test_bad_statements_change_nothing(app, client, admin, body, field):
    code = build_customer(app)
    response = client.put(consents_url(code), json=body, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert past(client, admin, code)["total"] == 0
    assert history_total(client, admin, code) == 1


def test_an_unknown_customer_has_no_consents(client, admin):
    assert_envelope(client.get(consents_url(999), headers=admin), 404, "not_found")
    response = record(client, admin, 999, sms={"given": True, "how": "web"})
    assert_envelope(response, 404, "not_found")
    assert_envelope(client.get(f"{consents_url(999)}/history", headers=admin), 404, "not_found")


def test_has_consent_follows_the_latest_statement(app, client, admin):
    code = build_customer(app)
    with app.app_context():
        # Never recorded: e-mail rests on the contract, the other channels are opt-in.
        assert {c: has_consent(code, c) for c in CHANNELS} == {
            "email": True,
            "sms": False,
            "whatsapp": False,
            "phone_call": False,
        }
    record(client, admin, code, email={"given": False, "how": "email"})
    record(client, admin, code, sms={"given": True, "how": "in_person"})
    record(client, admin, code, sms={"given": False, "how": "phone"})
    record(client, admin, code, whatsapp={"given": True, "how": "whatsapp"})
    with app.app_context():
        assert has_consent(code, "email") is False
        assert has_consent(code, "sms") is False
        assert has_consent(code, "whatsapp") is True
        assert has_consent(code, "phone_call") is False
        with pytest.raises(ValueError, match="unknown channel"):
            has_consent(code, "fax")


@pytest.mark.parametrize("role", ["admin", "attendant"])
def test_admins_and_attendants_record_consents(app, client, headers_for, role):
    code = build_customer(app)
    staff = headers_for(role)
    assert record(client, staff, code, sms={"given": True, "how": "web"}).status_code == 200
    assert current(client, staff, code)["sms"]["given"] is True


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_finance_and_technicians_read_consents_only(app, client, admin, headers_for, role):
    code = build_customer(app)
    record(client, admin, code, sms={"given": True, "how": "web"})
    staff = headers_for(role)
    before = current(client, admin, code)
    assert current(client, staff, code) == before
    assert past(client, staff, code)["total"] == 1
    response = record(client, staff, code, sms={"given": False, "how": "phone"})
    assert_envelope(response, 403, "forbidden")
    assert current(client, admin, code) == before
    assert past(client, admin, code)["total"] == 1
