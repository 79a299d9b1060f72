"""Each role sees what it may in the console, and no more: every route against the role table.

Expectations come from `web.permissions` (roles_for) and the routes' own `allowed_roles`, never
from lists written here: a change to the role table moves these tests with it. Signed in through
the real "Entrar" form (its CSRF token read from the page), by the Flask test client.
"""

import inspect
import io
import re
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import select

from models.db import db
from models.discovery import import_submodules
from models.staff.users import ROLES
from tests.builders import (
    build_cep,
    build_contact,
    build_customer,
    build_equipment,
    build_login,
    build_plan,
    build_receivable,
    build_skipped_notice,
    build_subscription,
)
from tests.conftest import TEST_PASSWORD
from tests.web.api_helpers import API
from tests.web.customer_payloads import address
from tests.web.payment_payloads import bank_debit, created
from web.console.record import TABS
from web.permissions import READ, roles_for

PUBLIC = {"console.sign_in_form", "console.sign_in", "console.static"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TAB_NAV = re.compile(r'<nav class="abas"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'<a href="([^"]+)"')

# A body each changing route would accept from a role it allows (field names follow the API's).
BODIES = {
    "console.sign_out": {},
    "console.set_customer_active": {"active": "false"},
    "console.save_extra_field": {"value": "Comércio"},
    "console.record_consent": {"channel": "email", "given": "true", "how": "Por telefone"},
    "console.create_contact": {"name": "Maria Souza", "email": "maria@example.com"},
    "console.update_contact": {"name": "Maria Souza Lima"},
    "console.delete_contact": {},
    "console.upload_document": {"description": "RG", "file": (b"%PDF-1.4\n%%EOF\n", "rg.pdf")},
    "console.update_document": {"description": "RG frente e verso"},
    "console.delete_document": {},
    "console.update_customer_form": {"name": "Outro Nome da Silva"},
    "console.create_address": {"cep": "01310-100", "number": "1000", "type": "installation"},
    "console.update_address": {"cep": "01310-100", "number": "2000"},
    "console.delete_address": {},
    "console.toggle_favorite": {},
    "console.create_observation": {"type": "técnico", "text": "Portão azul."},
    "console.update_observation": {"type": "técnico", "text": "Portão verde."},
    "console.acknowledge_observations": {},
    "console.save_options": {"fiscal_activity_code": ""},
    "console.create_payment_method": {"method": "boleto"},
    "console.update_payment_method": {"method": "boleto", "is_default": "true"},
    "console.delete_payment_method": {},
    "console.create_customer_form": {"kind": "PF", "name": "Novo Cliente da Silva"},
    "console.connections_export": {"format": "csv", "coluna.login": "true"},
    "console.calls_export": {"format": "csv", "coluna.destination": "true"},
    "console.create_user": {"username": "novo.papel", "role": "finance", "password": "s3nha-ok-10"},
    "console.change_user_role": {"role": "finance"},
    "console.set_user_active": {"active": "false"},
    "console.unlock_user": {},
    "console.admin_create_reason": {"name": "Mudou para outra cidade"},
    "console.admin_rename_reason": {"name": "Outro texto do motivo"},
    "console.admin_set_reason_active": {"active": "false"},
    "console.admin_create_holiday": {"date": "20/01/2099", "name": "São Sebastião"},
    "console.admin_delete_holiday": {},
    "console.admin_create_fiscal_code": {"code": "6110-8/01", "description": "Telefonia fixa"},
    "console.admin_describe_fiscal_code": {"description": "Outra descrição"},
    "console.admin_set_fiscal_code_active": {"active": "false"},
    "console.admin_create_plan": {"name": "Plano dos papéis", "kind": "email", "price": "9,90"},
    "console.admin_update_plan": {"name": "Plano renomeado"},
    "console.admin_set_plan_active": {"active": "false"},
    "console.admin_create_field": {"name": "Campo novo", "applies_to": "customer", "type": "text"},
    "console.admin_update_field": {"name": "Ramo de atividade"},
    "console.admin_set_field_active": {"active": "false"},
    "console.admin_add_nas": {"nasname": "10.0.0.9", "shortname": "nas-papel", "secret": "s3gredo"},
    "console.admin_set_tariff": {
        "termination": "local",
        "price_per_minute": "0,25",
        "first_seconds": "30",
        "increment_seconds": "6",
    },
    "console.admin_reprice_calls": {"from": "01/11/2026", "to": "30/11/2026", "confirmado": "sim"},
    "console.admin_save_template": {
        "subject": "Fatura de {{ customer_name }}",
        "text_body": "Olá {{ customer_name }}.",
        "html_body": "<p>Olá {{ customer_name }}.</p>",
    },
    "console.admin_preview_template": {"customer_code": "1"},
    "console.create_subscription": {"plan_id": "1", "due_day": "10"},
    "console.add_item": {"kind": "radius_login", "username": "papel", "password": "s3nha-pppoe"},
    "console.delete_item": {},
    "console.change_item": {"password": "outra-senha-1", "mac": "aa:bb:cc:dd:ee:ff"},
    "console.change_terms": {"due_day": "20", "discount": "5,00"},
    "console.suspend_now": {},
    "console.enable_now": {},
    "console.cancel_now": {"cancel_reason": "Outros"},
    "console.schedule_task": {"subscription_id": "1", "kind": "suspend", "run_on": "31/12/2099"},
    "console.withdraw_task": {},
    "console.disconnect_login": {},
    "console.schedule_installation": {"date": "31/12/2099", "period": "morning"},
    "console.record_payment": {"paid_on": "02/01/2025", "amount": "10,00"},
    "console.cancel_receivable": {"reason": "Lançado em duplicidade"},
    "console.create_manual_receivable": {
        "description": "Visita técnica",
        "due_date": "01/01/2099",
        "lines.0.description": "Visita",
        "lines.0.amount": "150,00",
    },
    "console.request_invoice": {},
    "console.cancel_invoice": {"justification": "Emitida para o cliente errado"},
    "console.trust_unlock": {"until": "02/01/2025"},
    "console.place_hold": {"until": "02/01/2025", "reason": "Acordo com o cliente"},
    "console.lift_hold": {},
    "console.resend_notice": {},
    "console.mark_notice_sent": {},
    "console.create_equipment": {"patrimony_number": "7001", "type": "onu", "model": "Huawei"},
    "console.update_equipment": {"model": "TP-Link Archer C6"},
    "console.lend_equipment": {"subscription_id": "1", "items": "7000"},
    "console.sell_equipment": {"subscription_id": "1", "items": "7000", "sale.price": "90,00"},
    "console.return_equipment": {},
    "console.admin_create_billing_account": {
        "name": "Conta dos papéis",
        "bank": "756",
        "agency": "4327",
        "account": "417270",
        "agreement": "229385",
        "wallet": "1",
        "variation": "01",
        "beneficiary_name": "Provedor Exemplo Ltda",
        "cnab_layout": "240",
        "active": "true",
    },
    "console.admin_update_billing_account": {"name": "Conta renomeada"},
    "console.generate_remittance": {},
    "console.import_return": {"file": (b"0" * 400 + b"\r\n", "retorno.ret")},
}


def _console_rules(app, method: str):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("console.") and method in rule.methods
        ),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def _view(app, endpoint: str):
    return app.view_functions[endpoint]


@pytest.fixture
def record(app, client, admin) -> dict:
    """A customer with one of everything a console route names by id."""
    build_cep(app, "01310100")
    code = build_customer(app, name="Cliente dos Papéis")
    ids = {"code": code, "cep": "01310100", "filename": "console.js"}
    ids["contact_id"] = build_contact(app, code, name="Contato Antigo")

    def made(response) -> dict:
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    customer = f"{API}/customers/{code}"
    ids["address_id"] = made(
        client.post(f"{customer}/addresses", json=address(type="installation"), headers=admin)
    )["id"]
    body = {"type": "comercial", "text": "Atende só de manhã.", "mandatory_reading": False}
    ids["observation_id"] = made(client.post(f"{customer}/observations", json=body, headers=admin))[
        "id"
    ]
    upload = {"description": "Contrato", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "c.pdf")}
    ids["document_id"] = made(
        client.post(
            f"{customer}/documents", data=upload, headers=admin, content_type="multipart/form-data"
        )
    )["id"]
    ids["method_id"] = created(client, admin, code, bank_debit())["id"]
    ids["receivable_id"] = build_receivable(app, customer_code=code)
    ids["subscription_id"] = build_subscription(app, customer_code=code)
    ids["plan_id"] = build_plan(app)
    ids["notice_id"] = build_skipped_notice(app, code, ids["receivable_id"])
    field = {"name": "Ramo", "applies_to": "customer", "type": "text"}
    ids["field_id"] = made(client.post(f"{API}/extra-fields", json=field, headers=admin))["id"]
    ids["export_id"] = _queued_export(app)
    user = {"username": "outro.papel", "role": "attendant", "password": "s3nha-longa-ok"}
    ids["user_id"] = made(client.post(f"{API}/users", json=user, headers=admin))["id"]
    reason = {"name": "Motivo dos papéis"}
    ids["reason_id"] = made(client.post(f"{API}/cancel-reasons", json=reason, headers=admin))["id"]
    holiday = {"date": "2099-01-25", "name": "Aniversário da cidade"}
    ids["holiday_id"] = made(client.post(f"{API}/holidays", json=holiday, headers=admin))["id"]
    fiscal = {"code": "1.07", "description": "Suporte técnico"}
    ids["code_id"] = made(client.post(f"{API}/fiscal-activity-codes", json=fiscal, headers=admin))[
        "id"
    ]
    ids["item_id"] = build_login(app, ids["subscription_id"], "papel.antigo")
    task = {"subscription_id": ids["subscription_id"], "kind": "suspend", "run_on": "2099-12-30"}
    ids["task_id"] = made(client.post(f"{customer}/scheduled-tasks", json=task, headers=admin))[
        "id"
    ]
    ids["equipment_id"] = build_equipment(app, 7000)
    ids["assignment_id"] = 1  # none lent: the refusal comes before the lookup
    ids["kind"] = "boleto"  # an e-mail template
    accounts = client.get(f"{API}/billing-accounts", headers=admin).json["items"]
    ids["account_id"] = accounts[0]["id"]  # the seeded default
    ids["remittance_id"] = ids["return_id"] = 1  # none yet: the refusal comes before the lookup
    return ids


def _queued_export(app) -> int:
    """An export job nobody runs (no message sent): its pages need an id."""
    from models.extracts.exports import Export

    with app.app_context():
        export = Export(requested_by="cli", source="connections", format="csv", params={})
        db.session.add(export)
        db.session.commit()
        return export.id


def _url(app, rule, ids: dict) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})


@pytest.fixture
def signed_in(app, make_user):
    """A test client signed in through the "Entrar" form as a new user of `role`."""
    clients: dict[str, object] = {}

    def sign(role: str):
        if role not in clients:
            user = make_user(f"{role}.papel", role)
            client = app.test_client()
            form = client.get("/entrar")
            token = CSRF.search(form.get_data(as_text=True)).group(1)
            body = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
            answer = client.post("/entrar", data=body)
            assert answer.status_code == 303, answer.get_data(as_text=True)
            clients[role] = client
        return clients[role]

    return sign


def _csrf_of(client) -> str:
    return CSRF_META.search(client.get("/").get_data(as_text=True)).group(1)


def _snapshot(app) -> dict:
    """Every row of every table, as it is now."""
    with app.app_context():
        rows = {
            table.name: sorted(
                (tuple(map(repr, row)) for row in db.session.execute(select(table))), key=str
            )
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
        return rows


def _form(body: dict, csrf: str | None) -> dict:
    data = {
        name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
        for name, value in body.items()
    }
    return data | ({"csrf_token": csrf} if csrf else {})


# (a) -------------------------------------------------------------------------------------------


def test_every_console_endpoint_is_public_or_declares_its_roles(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    console = {endpoint for endpoint in endpoints if endpoint.startswith("console.")}
    assert len(console) >= 40
    from web.security import _PUBLIC_ENDPOINTS

    opened = {
        endpoint
        for endpoint in console
        if endpoint in _PUBLIC_ENDPOINTS or getattr(_view(app, endpoint), "public", False)
    }
    assert opened == PUBLIC
    for endpoint in console - PUBLIC:
        roles = getattr(_view(app, endpoint), "allowed_roles", None)
        assert roles, f"{endpoint} declares no roles"
        assert roles <= set(ROLES), endpoint


def test_every_changing_route_has_a_body_here(app):
    """A new changing route is added to BODIES (and so to the refusal tests below)."""
    changing = {rule.endpoint for rule in _console_rules(app, "POST")} - PUBLIC
    assert changing == set(BODIES)


# (b) -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_tab_answers_exactly_the_roles_the_table_allows(app, record, signed_in, role):
    client = signed_in(role)
    code = record["code"]
    with app.test_request_context():
        urls = {tab.slug: url_for(tab.endpoint, code=code) for tab in TABS}
    allowed = {tab.slug for tab in TABS if role in roles_for(tab.area, READ)}
    for tab in TABS:
        answer = client.get(urls[tab.slug])
        assert answer.status_code == (200 if tab.slug in allowed else 403), (role, tab.slug)

    page = client.get(f"/clientes/{code}").get_data(as_text=True)
    links = HREF.findall(TAB_NAV.search(page).group(1))
    assert links == [urls[tab.slug] for tab in TABS if tab.slug in allowed]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_not_read_is_refused(app, record, signed_in, role):
    client = signed_in(role)
    refused = [
        rule
        for rule in _console_rules(app, "GET")
        if rule.endpoint not in PUBLIC and role not in _view(app, rule.endpoint).allowed_roles
    ]
    for rule in refused:
        assert client.get(_url(app, rule, record)).status_code == 403, (role, rule.endpoint)


# (c) -------------------------------------------------------------------------------------------


def _refusals() -> list[tuple[str, str]]:
    """(endpoint, role) for every changing route and each role its `requires` refuses. A route
    the table opens to every role (sign out, the favourite star, "Li e estou ciente") has none."""
    views = {
        f"console.{name}": view
        for module in import_submodules("web.console")
        for name, view in vars(module).items()
        if inspect.isfunction(view) and hasattr(view, "allowed_roles")
    }
    return [
        (endpoint, role)
        for endpoint in sorted(BODIES)
        for role in ROLES
        if role not in views[endpoint].allowed_roles
    ]


@pytest.mark.parametrize(("endpoint", "role"), _refusals())
def test_a_change_a_role_may_not_make_is_refused_and_changes_nothing(
    app, record, signed_in, endpoint, role
):
    rule = next(rule for rule in _console_rules(app, "POST") if rule.endpoint == endpoint)
    url = _url(app, rule, record)
    client = signed_in(role)
    before = _snapshot(app)
    answer = client.post(url, data=_form(BODIES[endpoint], _csrf_of(client)))
    assert answer.status_code == 403, (role, endpoint)
    assert "Seu perfil não permite esta operação." in answer.get_data(as_text=True)
    assert _snapshot(app) == before, (role, endpoint)


# (d) -------------------------------------------------------------------------------------------


def test_signed_out_every_page_sends_to_entrar_and_back(app, record):
    client = app.test_client()
    pages = [rule for rule in _console_rules(app, "GET") if rule.endpoint not in PUBLIC]
    assert pages
    for rule in pages:
        url = _url(app, rule, record)
        answer = client.get(url)
        target = f"/entrar?next={quote(url, safe='/')}"
        assert answer.status_code == 303, rule.endpoint
        assert answer.headers["Location"] == target, rule.endpoint
        # htmx asking for a fragment is told to go there (no sign-in form pasted into a tab).
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == 401, rule.endpoint
        assert fragment.headers["HX-Redirect"] == target, rule.endpoint


def test_signed_out_every_change_is_refused_and_changes_nothing(app, record):
    client = app.test_client()
    changes = [rule for rule in _console_rules(app, "POST") if rule.endpoint not in PUBLIC]
    assert {rule.endpoint for rule in changes} == set(BODIES)
    before = _snapshot(app)
    for rule in changes:
        answer = client.post(_url(app, rule, record), data=_form(BODIES[rule.endpoint], None))
        assert answer.status_code == 303, rule.endpoint
        assert answer.headers["Location"].startswith("/entrar?next="), rule.endpoint
    assert _snapshot(app) == before
