"""/api/v1/email-templates and /api/v1/notices: templates admins change, notices staff read."""

import importlib.util
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from models.audit import set_actor
from models.db import db
from models.notices.email_template_defaults import DEFAULTS
from models.notices.email_templates import render
from models.notices.notices import claim_notice
from tests.builders import BUILDER, build_customer
from tests.notice_kinds import TEST_KIND, ensure_receivable
from tests.web.api_helpers import API, assert_envelope

URL = f"{API}/email-templates"
GOOD = {
    "subject": "Fatura de {{ customer_name }}",
    "text_body": "Valor: {{ amount }}\nVencimento: {{ due_date }}",
    "html_body": "<p>Valor: {{ amount }}</p>",
}


def _history(app) -> list:
    with app.app_context():
        query = text("SELECT changes FROM history WHERE entity = 'email_templates' ORDER BY id")
        return [json.loads(c) if isinstance(c, str) else c for c in db.session.scalars(query)]


def test_seeded_templates_are_listed_with_their_variables(client, admin):
    items = client.get(URL, headers=admin).json["items"]
    assert [item["kind"] for item in items] == [
        "boleto",
        "overdue_notice",
        "reduction_notice",
        "suspension_notice",
        "termination_notice",
    ]
    boleto, overdue, reduction, suspension, termination = items
    assert "Olá, {{ customer_name }}" in boleto["text_body"]
    assert "linha_digitavel" in boleto["variables"]
    assert "days_overdue" not in boleto["variables"]
    assert {"days_overdue", "stage", "days_kind"} <= set(overdue["variables"])
    assert client.get(f"{URL}/overdue_notice", headers=admin).json == overdue
    assert {"suspension_date", "notice_days", "days_kind"} <= set(suspension["variables"])
    assert "{{ suspension_date }}" in suspension["text_body"]
    assert {"stage_date", "speed_percent", "next_stage"} <= set(reduction["variables"])
    assert "{{ speed_percent }}%" in reduction["text_body"]
    assert "speed_percent" not in termination["variables"]
    assert "{{ stage_date }}" in termination["text_body"]


def test_the_defaults_render_in_portuguese(app):
    context = {
        "isp_name": "Rede Rápida",
        "customer_name": "José",
        "customer_code": 9,
        "description": "Mensalidade 04/2026",
        "amount": "R$ 99,90",
        "due_date": "10/04/2026",
        "payable_until": "10/04/2026",
        "linha_digitavel": "0019...",
        "pix_code": "",
        "stage": 20,
        "days_overdue": 21,
        "days_kind": "úteis",
    }
    with app.app_context():
        parts = render("overdue_notice", context)
    assert parts["subject"] == "Rede Rápida: fatura vencida em 10/04/2026"
    assert "(21 dias úteis de atraso)" in parts["text_body"]
    assert "Evite a suspensão" in parts["text_body"]  # the last stage
    assert "PIX" not in parts["text_body"]  # no PIX key: no PIX paragraph


def test_the_suspension_notice_names_its_date_and_counts_calendar_days(app):
    context = {
        "isp_name": "Rede Rápida",
        "customer_name": "José",
        "customer_code": 9,
        "description": "Mensalidade 04/2026",
        "amount": "R$ 99,90",
        "due_date": "10/04/2026",
        "payable_until": "10/04/2026",
        "linha_digitavel": "0019...",
        "pix_code": "",
        "days_overdue": 16,
        "days_kind": "corridos",
        "suspension_date": "11/05/2026",
        "notice_days": 15,
    }
    with app.app_context():
        parts = render("suspension_notice", context)
    assert parts["subject"] == "Rede Rápida: aviso de suspensão em 11/05/2026"
    for body in (parts["text_body"], parts["html_body"]):
        assert "16 dias corridos de atraso" in body
        assert "suspenso a partir de" in body and "11/05/2026" in body
        assert "15 dias corridos após este aviso" in body


def test_an_admin_replaces_a_template_and_history_records_it(app, client, admin):
    response = client.put(f"{URL}/boleto", json=GOOD, headers=admin)
    assert response.status_code == 200, response.json
    assert {key: response.json[key] for key in GOOD} == GOOD
    assert client.get(f"{URL}/boleto", headers=admin).json["subject"] == GOOD["subject"]
    (changes,) = _history(app)
    assert {change["field"] for change in changes} == {"subject", "text_body", "html_body"}


def _assert_refused_naming_the_part(app, client, admin, part, source, says):
    """Putting `source` as `part` is a 422 naming that part alone, saying `says`; nothing
    changes and nothing is in history."""
    before = client.get(f"{URL}/boleto", headers=admin).json
    response = client.put(f"{URL}/boleto", json={**GOOD, part: source}, headers=admin)
    errors = assert_envelope(response, 422, "validation_error")["errors"]
    assert list(errors) == [part]
    assert says in errors[part][0]
    assert client.get(f"{URL}/boleto", headers=admin).json == before
    assert _history(app) == []


@pytest.mark.parametrize(
    ("part", "source", "says"),
    [
        ("subject", "Olá {{ nome_do_cliente }}", "nome_do_cliente"),  # unknown variable
        ("text_body", "Atraso: {{ days_overdue }}", "days_overdue"),  # not a boleto variable
        ("html_body", "<p>{% if %}</p>", "Does not render"),  # syntax
        ("text_body", "{{ amount.__class__.__mro__ }}", "Does not render"),  # sandbox
        ("html_body", "{{ ''.__class__.__subclasses__() }}", "Does not render"),
    ],
)
def test_a_template_that_does_not_render_is_refused_naming_the_part(
    app, client, admin, part, source, says
):
    _assert_refused_naming_the_part(app, client, admin, part, source, says)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "x", "text_body": "y"}, "html_body"),
        ({**GOOD, "subject": ""}, "subject"),
        ({**GOOD, "subject": "linha\nnova"}, "subject"),
        ({**GOOD, "kind": "boleto"}, "kind"),
        ({**GOOD, "subject": "x" * 201}, "subject"),
    ],
)
def test_bad_bodies_name_the_field(client, admin, body, field):
    response = client.put(f"{URL}/boleto", json=body, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]


def test_an_unknown_kind_is_not_found(client, admin):
    assert_envelope(client.get(f"{URL}/fax", headers=admin), 404, "not_found")
    assert_envelope(client.put(f"{URL}/fax", json=GOOD, headers=admin), 404, "not_found")


@pytest.mark.parametrize("role", ["attendant", "finance"])
def test_attendants_and_finance_read_only(client, headers_for, role):
    headers = headers_for(role)
    assert client.get(URL, headers=headers).status_code == 200
    assert client.get(f"{URL}/boleto", headers=headers).status_code == 200
    assert client.get(f"{API}/notices", headers=headers).status_code == 200
    assert_envelope(client.put(f"{URL}/boleto", json=GOOD, headers=headers), 403, "forbidden")


def test_technicians_see_neither_templates_nor_notices(client, headers_for):
    headers = headers_for("technician")
    for url in (URL, f"{URL}/boleto", f"{API}/notices"):
        assert_envelope(client.get(url, headers=headers), 403, "forbidden")
    assert_envelope(client.put(f"{URL}/boleto", json=GOOD, headers=headers), 403, "forbidden")


def _claim(app, code: int, receivable_id: int) -> int:
    with app.app_context():
        set_actor(db.session, BUILDER)
        ensure_receivable(receivable_id, code)
        notice_id = claim_notice(receivable_id, TEST_KIND, 0, code).id
        db.session.commit()
        return notice_id


def test_notices_are_listed_newest_first_filtered_and_paged(app, client, admin):
    first, second = build_customer(app), build_customer(app)
    ids = [_claim(app, first, 1), _claim(app, first, 2), _claim(app, second, 3)]
    page = client.get(f"{API}/notices", query_string={"per_page": 2}, headers=admin).json
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    assert (page["total"], page["page"], page["per_page"]) == (3, 1, 2)
    item = page["items"][0]
    assert {key: item[key] for key in ("receivable_id", "kind", "stage", "status")} == {
        "receivable_id": 3,
        "kind": TEST_KIND,
        "stage": 0,
        "status": "queued",
    }
    mine = client.get(f"{API}/notices", query_string={"customer_code": first}, headers=admin)
    assert [item["id"] for item in mine.json["items"]] == ids[1::-1]
    for query in ({"status": "sent"}, {"kind": "boleto"}, {"receivable_id": 9}):
        assert client.get(f"{API}/notices", query_string=query, headers=admin).json["total"] == 0


@pytest.mark.parametrize(
    "query", [{"status": "lost"}, {"customer_code": 0}, {"per_page": 500}, {"color": "red"}]
)
def test_bad_notice_filters_are_refused(client, admin, query):
    response = client.get(f"{API}/notices", query_string=query, headers=admin)
    assert_envelope(response, 422, "validation_error")


_THIRTY_MILLION = "{% for i in range(100000) %}{% for j in range(300) %}{% endfor %}{% endfor %}"


@pytest.mark.parametrize(
    ("part", "source", "says"),
    [
        ("text_body", "{% for i in range(10**9) %}x{% endfor %}", "Range too big"),
        ("text_body", '{% include "outro.txt" %}', "{% include %} is not allowed"),
        ("html_body", '{% import "macros.html" as m %}', "{% import %} is not allowed"),
        ("html_body", '{% from "macros.html" import m %}', "is not allowed"),
        ("text_body", '{% extends "base.txt" %}', "{% extends %} is not allowed"),
        ("text_body", _THIRTY_MILLION, "takes longer than 0.05 s"),
        ("text_body", '{{ "x" * 10000000 }}', "longer than 100000 characters"),
        ("html_body", '{{ "x"|center(10000000) }}', "No filter named 'center'"),
        ("text_body", '{{ "x".ljust(10000000) }}', "Does not render"),
        ("text_body", '{{ "%010000000d" % 1 }}', "formatting text with %"),
        ("subject", '{{ "x" * 999 }}', "longer than 998 characters"),
        ("text_body", "{{ description * 2500 }}{{ description * 2500 }}", "longer than 100000"),
        (
            "text_body",
            "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% endif %}{% endmacro %}"
            '{{ d("x", 40) }}',
            "longer than 100000 characters",
        ),
        (
            "html_body",
            "{% macro m() %}{% for i in range(100000) %}{{ description }}{% endfor %}"
            "{% endmacro %}{{ m() }}",
            "Too costly",
        ),
        ("text_body", "{% set _mail_emit = 1 %}x", "reserved"),
    ],
)
def test_a_template_too_costly_or_including_others_is_refused_naming_the_part(
    app, client, admin, part, source, says
):
    _assert_refused_naming_the_part(app, client, admin, part, source, says)


def test_loops_filters_and_macros_within_the_limits_are_accepted(client, admin):
    body = (
        "{% macro line(label, value) %}{{ label|upper }}: {{ value|trim }}{% endmacro %}"
        "{% for word in description.split() %}{{ loop.index }}={{ word|title }} {% endfor %}\n"
        "{{ line('valor', amount) }} {{ [due_date, payable_until]|join(' / ') }}"
        "{{ customer_name|replace('a', 'á') ~ '!' }} {{ '-' * 40 }} {{ 7 * 6 }}"
    )
    response = client.put(f"{URL}/boleto", json={**GOOD, "text_body": body}, headers=admin)
    assert response.status_code == 200, response.json


def test_the_migration_gives_databases_seeded_before_the_current_overdue_defaults():
    """A database whose overdue template is still as seeded gets today's default (no empty
    "Linha digitável:" for card and debit payers): the migration's copy must match."""
    path = Path(__file__).parents[3] / "migrations/versions"
    (found,) = path.glob("h2c7e1a0d9b3_*.py")
    spec = importlib.util.spec_from_file_location("overdue_migration", found)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    (later,) = path.glob("h5a1c0ffee01_*.py")  # then says which days it counts
    spec = importlib.util.spec_from_file_location("days_kind_migration", later)
    days_kind = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(days_kind)
    migrated = {
        part: body.replace(days_kind.OLD_DAYS, days_kind.NEW_DAYS)
        for part, body in migration.NOW.items()
    }
    defaults = DEFAULTS["overdue_notice"]
    assert {part: defaults[part] for part in ("text_body", "html_body")} == migrated
    assert "Linha digitável: {{ linha_digitavel }}\n" in migration.SEEDED["text_body"]
