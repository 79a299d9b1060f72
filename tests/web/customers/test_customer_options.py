"""A customer's exception options [5.1] and the fiscal activity codes they pick from [5.1.4]."""

import pytest
from sqlalchemy import text

from models.customers.customer_options import FLAGS, customers_with_option
from models.db import db
from tests.builders import build_customer
from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import pf_payload
from web.config import CUSTOMER_OPTION_FLAGS, DEFAULT_CUSTOMER_OPTIONS

CODES = f"{API}/fiscal-activity-codes"


def options_url(code: int) -> str:
    return f"{API}/customers/{code}/options"


def all_options(**changes) -> dict:
    return {**dict.fromkeys(FLAGS, False), "fiscal_activity_code": None, **changes}


def put(client, headers, code: int, body: dict):
    return client.put(options_url(code), json=body, headers=headers)


def read(client, headers, code: int) -> dict:
    response = client.get(options_url(code), headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def history(client, headers, code: int) -> dict:
    response = client.get(f"{API}/customers/{code}/history", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def add_code(client, headers, code: str = "6110-8/01", **fields):
    body = {"code": code, "description": "Telecomunicações por fio", **fields}
    return client.post(CODES, json=body, headers=headers)


def test_the_flags_are_the_settings_flags():
    assert FLAGS == CUSTOMER_OPTION_FLAGS


def test_a_new_customer_gets_the_default_options(client, admin):
    created = client.post(f"{API}/customers", json=pf_payload(), headers=admin).get_json()
    options = read(client, admin, created["code"])
    assert options == {
        "customer_code": created["code"],
        **{flag: flag in DEFAULT_CUSTOMER_OPTIONS for flag in FLAGS},
        "fiscal_activity_code": None,
    }
    assert history(client, admin, created["code"])["total"] == 1  # the customer's creation


def test_the_defaults_come_from_the_settings(client, admin, build_app):
    code = build_customer(build_app(customer_default_options=("itemized_invoice",)))
    options = read(client, admin, code)
    assert [flag for flag in FLAGS if options[flag]] == ["itemized_invoice"]


def test_put_replaces_every_option_and_is_in_history(app, client, admin):
    code = build_customer(app)
    add_code(client, admin)
    body = all_options(itemized_invoice=True, charge_boleto_fee=True)
    body["fiscal_activity_code"] = "6110-8/01"
    response = put(client, admin, code, body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"customer_code": code, **body}
    assert read(client, admin, code) == {"customer_code": code, **body}

    entry = history(client, admin, code)["items"][0]
    assert entry["entity"] == "customer_options" and entry["action"] == "update"
    changed = {change["field"]: (change["old"], change["new"]) for change in entry["changes"]}
    assert changed == {
        "auto_suspend": (True, False),
        "send_boleto_email": (True, False),
        "send_overdue_notice": (True, False),
        "itemized_invoice": (False, True),
        "charge_boleto_fee": (False, True),
        "fiscal_activity_code": (None, "6110-8/01"),
    }


def test_put_of_the_same_options_records_nothing(app, client, admin):
    code = build_customer(app)
    current = read(client, admin, code)
    del current["customer_code"]
    assert put(client, admin, code, current).status_code == 200
    assert history(client, admin, code)["total"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"auto_suspend": None}, "auto_suspend"),
        ({"auto_suspend": "yes"}, "auto_suspend"),
        ({"send_overdue_notice": 1}, "send_overdue_notice"),
        ({"fiscal_activity_code": "61108"}, "fiscal_activity_code"),
        ({"fiscal_activity_code": 6110}, "fiscal_activity_code"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_options_are_refused_naming_the_field(app, client, admin, change, field):
    code = build_customer(app)
    before = read(client, admin, code)
    body = assert_envelope(put(client, admin, code, all_options(**change)), 422, "validation_error")
    assert field in body["errors"]
    assert read(client, admin, code) == before
    assert history(client, admin, code)["total"] == 1


@pytest.mark.parametrize("flag", FLAGS)
def test_every_flag_is_required(app, client, admin, flag):
    code = build_customer(app)
    body = all_options()
    del body[flag]
    errors = assert_envelope(put(client, admin, code, body), 422, "validation_error")["errors"]
    assert flag in errors


def test_the_fiscal_code_must_be_an_active_listed_one(app, client, admin):
    code = build_customer(app)
    before = read(client, admin, code)
    unlisted = put(client, admin, code, all_options(fiscal_activity_code="6190-6/01"))
    assert "fiscal_activity_code" in assert_envelope(unlisted, 422, "validation_error")["errors"]
    listed = add_code(client, admin, "6190-6/01").get_json()
    client.patch(f"{CODES}/{listed['id']}", json={"active": False}, headers=admin)
    withdrawn = put(client, admin, code, all_options(fiscal_activity_code="6190-6/01"))
    assert "fiscal_activity_code" in assert_envelope(withdrawn, 422, "validation_error")["errors"]
    assert read(client, admin, code) == before
    assert history(client, admin, code)["total"] == 1


def test_options_of_an_unknown_customer_are_not_found(client, admin):
    assert_envelope(client.get(options_url(999), headers=admin), 404, "not_found")
    assert_envelope(put(client, admin, 999, all_options()), 404, "not_found")


def test_a_customer_loaded_without_options_reads_the_defaults_and_gets_a_row(app, client, admin):
    code = build_customer(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM customer_options"))
        db.session.commit()
    assert read(client, admin, code)["auto_suspend"] is True
    assert put(client, admin, code, all_options(itemized_invoice=True)).status_code == 200
    assert read(client, admin, code)["itemized_invoice"] is True
    assert history(client, admin, code)["items"][0]["action"] == "create"


# --- fiscal activity codes ------------------------------------------------------------------


def test_admins_keep_the_fiscal_activity_codes(client, admin):
    response = add_code(client, admin)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created == {
        "id": created["id"],
        "code": "6110-8/01",
        "description": "Telecomunicações por fio",
        "active": True,
    }
    assert client.get(response.headers["Location"], headers=admin).get_json() == created
    service = add_code(client, admin, "1.07", description="Suporte técnico").get_json()
    url = f"{CODES}/{created['id']}"
    patched = client.patch(url, json={"active": False}, headers=admin).get_json()
    assert patched["active"] is False
    everything = client.get(CODES, headers=admin).get_json()["items"]
    assert [row["code"] for row in everything] == ["1.07", "6110-8/01"]
    usable = client.get(CODES, query_string={"active": "true"}, headers=admin).get_json()
    assert usable["items"] == [service]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "6110801"}, "code"),
        ({"code": "6110-8/1"}, "code"),
        ({"code": "A1.07"}, "code"),
        ({"code": "123.07"}, "code"),
        ({"description": ""}, "description"),
        ({"description": None}, "description"),
        ({"active": "no"}, "active"),
    ],
)
def test_bad_fiscal_codes_are_refused(client, admin, body, field):
    payload = {"code": "6110-8/01", "description": "Telecom", **body}
    response = client.post(CODES, json=payload, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.get(CODES, headers=admin).get_json()["items"] == []


def test_a_code_is_listed_once_and_never_renamed(client, admin):
    created = add_code(client, admin).get_json()
    assert_envelope(add_code(client, admin), 409, "conflict")
    url = f"{CODES}/{created['id']}"
    renamed = client.patch(url, json={"code": "6110-8/02"}, headers=admin)
    assert "code" in assert_envelope(renamed, 422, "validation_error")["errors"]
    assert_envelope(client.patch(url, json={}, headers=admin), 422, "validation_error")
    assert_envelope(
        client.patch(f"{CODES}/999", json={"active": False}, headers=admin), 404, "not_found"
    )


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "attendant", "finance"])
def test_admin_attendant_and_finance_change_options(app, client, admin, headers_for, role):
    code = build_customer(app)
    staff = headers_for(role)
    assert read(client, staff, code)["auto_suspend"] is True
    assert put(client, staff, code, all_options()).status_code == 200
    assert read(client, admin, code)["auto_suspend"] is False


def test_technicians_read_options_but_cannot_change_them(app, client, admin, headers_for):
    code = build_customer(app)
    technician = headers_for("technician")
    before = read(client, technician, code)
    assert_envelope(put(client, technician, code, all_options()), 403, "forbidden")
    assert read(client, admin, code) == before
    assert history(client, admin, code)["total"] == 1


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_only_admins_change_fiscal_codes(client, admin, headers_for, role):
    created = add_code(client, admin).get_json()
    staff = headers_for(role)
    assert client.get(CODES, headers=staff).get_json()["items"] == [created]
    assert client.get(f"{CODES}/{created['id']}", headers=staff).status_code == 200
    assert_envelope(add_code(client, staff, "1.07"), 403, "forbidden")
    patch = client.patch(f"{CODES}/{created['id']}", json={"active": False}, headers=staff)
    assert_envelope(patch, 403, "forbidden")
    assert client.get(CODES, headers=admin).get_json()["items"] == [created]


# --- the jobs' query ------------------------------------------------------------------------


def test_customers_with_option_selects_the_flag_holders_in_code_order(app, client, admin):
    codes = [build_customer(app) for _ in range(3)]
    put(client, admin, codes[1], all_options(itemized_invoice=True))
    with app.app_context():
        selected = list(db.session.scalars(customers_with_option("auto_suspend")))
        itemized = list(db.session.scalars(customers_with_option("itemized_invoice")))
        assert selected == [codes[0], codes[2]]
        assert itemized == [codes[1]]
        with pytest.raises(ValueError, match="unknown option flag"):
            customers_with_option("fiscal_activity_code")


def _bulk_options(rows: int) -> None:
    """`rows` customers with options, in two statements; one in ten has auto_suspend on."""
    # A recursive CTE counts on both backends; the document is the number zero-padded.
    document = "lpad(n::text, 11, '0')" if db.engine.name == "postgresql" else "printf('%011d', n)"
    db.session.execute(
        text(
            "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers"  # noqa: S608 (our own SQL)
            " WHERE n < :rows)"
            " INSERT INTO customers (active, created_at, updated_at, kind, name, document,"
            " search_name, search_contact, search_city, search_address)"
            f" SELECT true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'PF', 'Bulk', {document},"
            " 'bulk', '', '', '' FROM numbers"
        ),
        {"rows": rows},
    )
    flags = ", ".join(FLAGS)
    values = ", ".join("code % 10 = 0" if flag == "auto_suspend" else "false" for flag in FLAGS)
    db.session.execute(
        text(
            f"INSERT INTO customer_options (customer_code, {flags})"  # noqa: S608 (our names)
            f" SELECT code, {values} FROM customers"
        )
    )
    db.session.execute(text("ANALYZE customers"))
    db.session.execute(text("ANALYZE customer_options"))


def test_the_option_query_uses_its_index(app, backend):
    # Each backend's own planner: EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite (whose
    # full scan reads "SCAN customer_options" without an index).
    explain = "EXPLAIN" if backend == "postgresql" else "EXPLAIN QUERY PLAN"
    with app.app_context():
        _bulk_options(20_000)
        query = customers_with_option("auto_suspend")
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        rows = db.session.execute(text(f"{explain} {compiled}")).all()
        plan = "\n".join(str(row[-1]) for row in rows)
        db.session.commit()
    assert "ix_customer_options_auto_suspend_on" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_migration_gives_existing_customers_the_default_options(build_app, tmp_path):
    from flask_migrate import upgrade

    other = build_app(database_url=f"sqlite:///{tmp_path / 'before.sqlite'}")
    with other.app_context():
        upgrade(revision="f1fa9b221ec1")  # the schema before customer options
        db.session.execute(
            text(
                "INSERT INTO customers (active, created_at, updated_at, kind, name, document,"
                " search_name, search_contact, search_city, search_address) VALUES"
                " (1, '2026-01-01', '2026-01-01', 'PF', 'Antiga', '52998224725', '', '', '', '')"
            )
        )
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT * FROM customer_options")).mappings().one()
        db.session.remove()
        db.engine.dispose()
    assert dict(row) == {
        "customer_code": 1,
        **{flag: int(flag in DEFAULT_CUSTOMER_OPTIONS) for flag in FLAGS},
        "fiscal_activity_code": None,
    }
