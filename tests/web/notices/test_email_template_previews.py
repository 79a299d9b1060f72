"""POST /api/v1/email-templates/<kind>/preview: what a customer would get from the parts typed,
with the customer's real data, saved nowhere (no template change, no boleto issued)."""

from datetime import date

import pytest
from sqlalchemy import func, text

from models.billing.boletos import Boleto
from models.db import db
from tests.builders import build_customer, build_receivable
from tests.web.api_helpers import API, assert_envelope

URL = f"{API}/email-templates"
TYPED = {
    "subject": "Fatura de {{ customer_name }} {{ due_date }}",
    "text_body": "Olá {{ customer_name }} ({{ customer_code }}): {{ amount }} em {{ due_date }}.",
    "html_body": "<p>Olá {{ customer_name }}: <b>{{ amount }}</b> ({{ description }})</p>",
}
NAME = "Ana <i>Souza</i> & Filhos"


def _rows(app, table: str) -> int:
    with app.app_context():
        count = db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (fixed names)
        db.session.remove()
        return count


def _boletos(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(func.count(Boleto.id)))
        db.session.remove()
        return count


@pytest.fixture
def customer(app) -> int:
    return build_customer(app, name=NAME)


def test_the_typed_parts_are_rendered_with_the_customers_latest_receivable_and_nothing_saved(
    app, client, admin, customer
):
    build_receivable(app, customer, amount="10.00", due_date=date(2030, 1, 10))
    latest = build_receivable(app, customer, amount="1234.50", due_date=date(2030, 2, 10))
    stored = client.get(f"{URL}/boleto", headers=admin).json
    history, boletos = _rows(app, "history"), _boletos(app)

    response = client.post(
        f"{URL}/boleto/preview", json={**TYPED, "customer_code": customer}, headers=admin
    )

    assert response.status_code == 200, response.json
    body = response.json
    assert body["customer_code"] == customer
    assert body["customer_name"] == NAME
    assert body["receivable_id"] == latest
    assert body["subject"] == f"Fatura de {NAME} 10/02/2030"
    assert body["text_body"] == f"Olá {NAME} ({customer}): R$ 1.234,50 em 10/02/2030."
    # The HTML part escapes the customer's data as the mailer does; the template's markup stays.
    assert (
        "<p>Olá Ana &lt;i&gt;Souza&lt;/i&gt; &amp; Filhos: <b>R$ 1.234,50</b>" in body["html_body"]
    )
    assert client.get(f"{URL}/boleto", headers=admin).json == stored
    assert _rows(app, "history") == history
    assert _boletos(app) == boletos  # a preview issues no boleto


def test_a_chosen_receivable_and_the_stored_parts_when_none_is_typed(app, client, admin, customer):
    chosen = build_receivable(app, customer, amount="55.00", due_date=date(2030, 1, 10))
    build_receivable(app, customer, amount="66.00", due_date=date(2030, 3, 10))
    body = {"customer_code": customer, "receivable_id": chosen}
    response = client.post(f"{URL}/overdue_notice/preview", json=body, headers=admin)
    assert response.status_code == 200, response.json
    assert response.json["receivable_id"] == chosen
    assert "R$ 55,00" in response.json["text_body"]
    assert "10/01/2030" in response.json["subject"]  # the stored subject names the due date


def test_a_customer_without_receivables_gets_the_samples_amounts(app, client, admin, customer):
    body = {"customer_code": customer, "text_body": "{{ customer_name }}: {{ amount }}"}
    response = client.post(f"{URL}/boleto/preview", json=body, headers=admin)
    assert response.status_code == 200, response.json
    assert response.json["receivable_id"] is None
    assert response.json["text_body"] == f"{NAME}: R$ 1.234,56"


def test_an_unknown_customer_or_kind_is_not_found(client, admin):
    body = {"customer_code": 999_999}
    assert_envelope(
        client.post(f"{URL}/boleto/preview", json=body, headers=admin), 404, "not_found"
    )
    unknown_kind = client.post(f"{URL}/fax/preview", json={"customer_code": 1}, headers=admin)
    assert_envelope(unknown_kind, 404, "not_found")


@pytest.mark.parametrize(
    ("part", "source", "says"),
    [
        ("subject", "Olá {{ unknown_variable }}", "unknown_variable"),
        ("text_body", "{% for %}", "Does not render"),
        ("html_body", "{{ ''.__class__.__subclasses__() }}", "Does not render"),
        ("text_body", "{% include 'x' %}", "Not allowed"),
    ],
)
def test_a_template_that_does_not_render_is_refused_naming_the_part(
    app, client, admin, customer, part, source, says
):
    history = _rows(app, "history")
    body = {**TYPED, part: source, "customer_code": customer}
    response = client.post(f"{URL}/boleto/preview", json=body, headers=admin)
    errors = assert_envelope(response, 422, "validation_error")["errors"]
    assert list(errors) == [part]
    assert says in errors[part][0]
    assert _rows(app, "history") == history


def test_a_receivable_of_another_customer_is_refused(app, client, admin, customer):
    other = build_receivable(app)
    body = {"customer_code": customer, "receivable_id": other}
    response = client.post(f"{URL}/boleto/preview", json=body, headers=admin)
    assert "receivable_id" in assert_envelope(response, 422, "validation_error")["errors"]


@pytest.mark.parametrize(
    "body",
    [{}, {"customer_code": "1"}, {"customer_code": 1, "subject": "a\nb"}, {"customer_code": 0}],
)
def test_bad_bodies_are_refused(client, admin, body):
    assert_envelope(
        client.post(f"{URL}/boleto/preview", json=body, headers=admin), 422, "validation_error"
    )


@pytest.mark.parametrize("role", ["attendant", "finance"])
def test_readers_of_the_templates_preview_them(client, headers_for, customer, role):
    body = {"customer_code": customer}
    response = client.post(f"{URL}/boleto/preview", json=body, headers=headers_for(role))
    assert response.status_code == 200, response.json


def test_technicians_do_not_preview(client, headers_for, customer):
    body = {"customer_code": customer}
    response = client.post(f"{URL}/boleto/preview", json=body, headers=headers_for("technician"))
    assert_envelope(response, 403, "forbidden")
