"""Who reads which history entries: the roles that may read the entity an entry describes, as
they see it through the API (docs/DESIGN.md, "Roles"); every audited entity has a rule."""

import importlib
import io
import pkgutil
from datetime import timedelta

import pytest

from models.audit import Audited, set_actor
from models.clock import local_today
from models.db import db
from tests.builders import (
    BUILDER,
    build_cep,
    build_contact,
    build_customer,
    build_equipment,
    build_login,
    build_receivable,
    build_subscription,
)
from tests.web.api_helpers import API, assert_envelope
from tests.web.payment_payloads import VISA, bank_debit, card, methods_url
from web import permissions

ROLES = ("admin", "attendant", "finance", "technician")
BILLED = "123.45"  # no other amount of the customer is this
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"

# Written out here, from the role table in docs/DESIGN.md, not read from web/permissions.py:
# what each role may read through the entity's own routes.
CUSTOMER_RECORD = {
    "customers", "customer_addresses", "contacts", "observations", "customer_documents",
    "consent_records", "extra_field_values", "customer_options",
}  # fmt: skip
SERVICE = {"subscriptions", "subscription_items", "installations", "scheduled_tasks"}
EQUIPMENT = {"equipment", "equipment_assignments", "equipment_sales"}
HOLDS = {"trust_unlocks", "suspension_holds"}
MONEY = {"payment_methods", "receivables", "boletos", "billing_events", "notices"}
EVERY_ENTITY = CUSTOMER_RECORD | SERVICE | EQUIPMENT | HOLDS | MONEY
READS = {
    "admin": EVERY_ENTITY,
    "attendant": EVERY_ENTITY,  # payment data masked, bills and e-mails read-only
    "finance": EVERY_ENTITY,
    "technician": CUSTOMER_RECORD | SERVICE | EQUIPMENT | HOLDS,
}


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _in_app(app, action):
    """Run a domain operation as a builder would (for what only a worker or sweep does)."""
    with app.app_context():
        set_actor(db.session, BUILDER)
        result = action()
        db.session.commit()
        return result


def _customer_record(app, client, admin, code: int) -> None:
    from models.customers.customer_options import FLAGS

    build_cep(app)
    url = f"{API}/customers/{code}"
    body = {"type": "installation", "cep": "01310-100", "number": "10"}
    _ok(client.post(f"{url}/addresses", json=body, headers=admin), 201)
    build_contact(app, code)
    body = {"type": "geral", "text": "Cliente prefere contato à tarde."}
    _ok(client.post(f"{url}/observations", json=body, headers=admin), 201)
    upload = {"file": (io.BytesIO(PDF), "contrato.pdf"), "description": "Contrato"}
    _ok(client.post(f"{url}/documents", data=upload, headers=admin), 201)
    body = {"channels": {"sms": {"given": True, "how": "web"}}}
    _ok(client.put(f"{url}/consents", json=body, headers=admin))
    body = {**dict.fromkeys(FLAGS, False), "fiscal_activity_code": None}  # some were on
    _ok(client.put(f"{url}/options", json=body, headers=admin))
    body = {"applies_to": "customer", "type": "text", "name": "Torre"}
    field = _ok(client.post(f"{API}/extra-fields", json=body, headers=admin), 201)
    _ok(client.put(f"{url}/extra-fields/{field['id']}", json={"value": "T1"}, headers=admin))


def _service(app, client, admin, make_user, code: int, soon: str) -> int:
    sub_id = build_subscription(app, code)
    build_login(app, sub_id, f"cliente{code}")
    technician = make_user("joao.tecnico", "technician")
    body = {"date": soon, "period": "morning", "technician_id": technician.id}
    _ok(client.post(f"{API}/subscriptions/{sub_id}/installation", json=body, headers=admin), 201)
    body = {"subscription_id": sub_id, "kind": "suspend", "run_on": soon}
    _ok(client.post(f"{API}/customers/{code}/scheduled-tasks", json=body, headers=admin), 201)
    body = {"until": soon, "reason": "Negociando"}
    _ok(client.post(f"{API}/subscriptions/{sub_id}/suspension-hold", json=body, headers=admin), 201)
    return sub_id


def _equipment(app, client, admin, make_user, code: int, sub_id: int) -> None:
    from models.billing.equipment_sales import bill_sale

    make_user("ana.supervisora", "admin")
    lent, sold = build_equipment(app, 101), build_equipment(app, 102)
    staff = {"responsible_user": "joao.tecnico", "confirming_user": "ana.supervisora"}
    body = {"subscription_id": sub_id, "items": [lent], **staff}
    _ok(client.post(f"{API}/customers/{code}/equipment", json=body, headers=admin), 201)
    sale = {"price": "300.00", "mode": "billing_event", "installments": 3}
    body = {"subscription_id": sub_id, "items": [sold], "sale": sale, **staff}
    url = f"{API}/customers/{code}/equipment-sales"
    sale_id = _ok(client.post(url, json=body, headers=admin), 201)["id"]
    _in_app(app, lambda: bill_sale(sale_id))  # what the billing task does


def _money(app, client, admin, code: int, today) -> str:
    """Bills, a boleto, its e-mail, a payment, a trust unlock, payment data; the barcode."""
    from models.billing.suspension_holds import record_trust_unlock
    from models.notices.notices import claim_notice

    billed = build_receivable(app, code, amount=BILLED)
    barcode = _ok(client.get(f"{API}/receivables/{billed}/boleto", headers=admin))["barcode"]
    _in_app(app, lambda: claim_notice(billed, "boleto", 0, code))  # what the sweep does
    paid = build_receivable(app, code, amount=BILLED)
    body = {"paid_on": today.isoformat(), "amount": BILLED}
    _ok(client.post(f"{API}/receivables/{paid}/payments", json=body, headers=admin))
    _in_app(app, lambda: record_trust_unlock(code, today + timedelta(days=2), 5, 30))
    # After the boleto: a customer paying otherwise gets no new one.
    _ok(client.post(methods_url(code), json=bank_debit(), headers=admin), 201)
    _ok(client.post(methods_url(code), json=card(), headers=admin), 201)
    return barcode


@pytest.fixture
def everything(app, client, admin, make_user) -> dict:
    """A customer with an entry of every entity a customer's history holds: its code, and the
    barcode of its boleto."""
    code = build_customer(app)
    today = _in_app(app, local_today)
    _customer_record(app, client, admin, code)
    soon = (today + timedelta(days=3)).isoformat()
    sub_id = _service(app, client, admin, make_user, code, soon)
    _equipment(app, client, admin, make_user, code, sub_id)
    barcode = _money(app, client, admin, code, today)
    return {"code": code, "barcode": barcode}


def _history(client, headers, code: int, **query) -> dict:
    url = f"{API}/customers/{code}/history"
    return _ok(client.get(url, query_string={"per_page": 200, **query}, headers=headers))


def test_the_customer_history_holds_every_entity_there_is(client, admin, everything):
    # Guards the tests below: they must meet every audited entity a customer has.
    page = _history(client, admin, everything["code"])
    assert {entry["entity"] for entry in page["items"]} == EVERY_ENTITY


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_entries_of_what_it_may_read(client, headers_for, everything, role):
    page = _history(client, headers_for(role), everything["code"])
    assert {entry["entity"] for entry in page["items"]} == READS[role]
    assert page["total"] == len(page["items"])


MONEY_FIELDS = {
    "card_first6", "card_last4", "card_expiry", "card_brand", "card_number_encrypted",
    "bank_code", "agency", "account_number", "nosso_numero", "barcode", "digitable_line",
    "pix_code", "amount", "paid_on", "paid_amount", "recipient",
}  # fmt: skip


def test_a_technician_sees_no_payment_data_bill_or_e_mail(client, headers_for, everything):
    for role, sees in (("technician", False), ("attendant", True)):
        entries = _history(client, headers_for(role), everything["code"])["items"]
        fields = {change["field"] for entry in entries for change in entry["changes"]}
        values = str([entry["changes"] for entry in entries])
        assert bool(fields & MONEY_FIELDS) is sees, fields & MONEY_FIELDS
        for secret in (VISA[:6], "12/2039", "1234-5", BILLED, everything["barcode"]):
            assert (secret in values) is sees, secret


def test_payment_data_is_shown_no_more_than_the_api_shows_each_reader(
    client, headers_for, everything
):
    code = everything["code"]
    for role in ("admin", "attendant", "finance"):
        headers = headers_for(role)
        listed = _ok(client.get(methods_url(code), headers=headers))["items"]
        assert "411111******1111" in {item["card_number"] for item in listed}
        entries = _history(client, headers, code)["items"]
        changes = {
            change["field"]: change["new"]
            for entry in entries
            if entry["entity"] == "payment_methods"
            for change in entry["changes"]
        }
        assert VISA not in str(entries)  # the whole card number, never
        assert changes["card_number_encrypted"] == "***"
        assert (changes["card_first6"], changes["card_last4"]) == ("411111", "1111")
        assert changes["account_number"] == "*****123-4"  # masked even where the API is not
        assert "98765123-4" not in str(entries)


def test_paging_counts_only_what_the_role_reads(client, headers_for, everything):
    technician, code = headers_for("technician"), everything["code"]
    whole = _history(client, technician, code)
    pages = [_history(client, technician, code, per_page=4, page=n) for n in range(1, 30)]
    assert all(page["total"] == whole["total"] for page in pages)
    assert [entry for page in pages for entry in page["items"]] == whole["items"]
    assert whole["total"] < _history(client, headers_for("admin"), code)["total"]


def test_an_entity_without_a_rule_is_shown_to_no_one(client, headers_for, everything, monkeypatch):
    code = everything["code"]
    before = _history(client, headers_for("admin"), code)
    monkeypatch.delitem(permissions.HISTORY_AREAS, "contacts")
    for role in ROLES:
        page = _history(client, headers_for(role), code)
        assert "contacts" not in {entry["entity"] for entry in page["items"]}
    after = _history(client, headers_for("admin"), code)
    assert after["total"] == before["total"] - 1  # the contact's one entry


def _audited_tables() -> set[str]:
    """Every audited model's table, every module of models/ imported (not only the app's)."""
    import models

    for module in pkgutil.walk_packages(models.__path__, prefix="models."):
        importlib.import_module(module.name)
    classes = [mapper.class_ for mapper in db.Model.registry.mappers]
    return {model.__tablename__ for model in classes if issubclass(model, Audited)}


def test_every_audited_entity_has_a_history_rule():
    assert _audited_tables() == set(permissions.HISTORY_AREAS)
    for area in permissions.HISTORY_AREAS.values():
        assert permissions.roles_for(area, permissions.READ)


def test_the_history_rules_are_the_role_table_of_the_routes():
    for role in ROLES:
        readable = set(permissions.history_entities(role))
        assert readable & EVERY_ENTITY == READS[role]
    assert "users" not in permissions.history_entities("attendant")
    assert "nas" not in permissions.history_entities("finance")


# --- the equipment history and the consents history -------------------------------------------


def _item(client, admin, patrimony: int) -> dict:
    query = {"patrimony_from": patrimony, "patrimony_to": patrimony}
    return _ok(client.get(f"{API}/equipment", query_string=query, headers=admin))["items"][0]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_an_items_history_with_its_lendings(client, headers_for, everything, role):
    item = _item(client, headers_for("admin"), 101)
    page = _ok(client.get(f"{API}/equipment/{item['id']}/history", headers=headers_for(role)))
    entries = [(entry["entity"], entry["action"]) for entry in page["items"]]
    assert sorted(entries) == [
        ("equipment", "create"),
        ("equipment", "update"),  # lent: with the customer
        ("equipment_assignments", "create"),
    ]
    assert page["total"] == 3


def test_an_items_history_follows_the_rules_too(client, admin, everything, monkeypatch):
    item = _item(client, admin, 101)
    monkeypatch.delitem(permissions.HISTORY_AREAS, "equipment_assignments")
    page = _ok(client.get(f"{API}/equipment/{item['id']}/history", headers=admin))
    assert [entry["entity"] for entry in page["items"]] == ["equipment", "equipment"]
    assert page["total"] == 2


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_consents_history_as_the_consents(
    client, headers_for, everything, role
):
    # Consents are part of the customer record: every role reads them and their past.
    url = f"{API}/customers/{everything['code']}/consents"
    page = _ok(client.get(f"{url}/history", headers=headers_for(role)))
    assert [(item["channel"], item["given"]) for item in page["items"]] == [("sms", True)]
    current = _ok(client.get(url, headers=headers_for(role)))["items"]
    assert {item["channel"]: item["given"] for item in current}["sms"] is True


def test_the_history_needs_a_token(client, everything):
    url = f"{API}/customers/{everything['code']}/history"
    assert_envelope(client.get(url), 401, "unauthorized")


@pytest.mark.parametrize("role", ROLES)
def test_what_the_history_hides_the_routes_refuse(client, headers_for, everything, role):
    # READS above is what the routes answer: money is read by all but technicians.
    code, headers = everything["code"], headers_for(role)
    urls = [
        methods_url(code),
        f"{API}/customers/{code}/receivables",
        f"{API}/receivables?customer_code={code}",
        f"{API}/notices?customer_code={code}",
    ]
    expected = 200 if READS[role] >= MONEY else 403
    assert [client.get(url, headers=headers).status_code for url in urls] == [expected] * 4
    url = f"{API}/customers/{code}/equipment-sales"
    sales = _ok(client.get(url, headers=headers))["items"]
    assert (sales[0]["billing_events"] is not None) is (expected == 200)
