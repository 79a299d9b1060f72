"""Customer search by the items of their plans: field=login and field=domain, and the
mailboxes and logins that field=email and field=any find."""

import pytest
from sqlalchemy import text

from models.customers import customer_search
from models.customers.customers import Customer
from models.db import db
from tests.builders import build_customer, build_login, build_subscription


def _add_mailbox(client, admin, subscription_id, address):
    body = {"kind": "email", "address": address, "password": "caixa-postal-1"}
    response = client.post(
        f"/api/v1/subscriptions/{subscription_id}/items", json=body, headers=admin
    )
    assert response.status_code == 201, response.get_json()


def _codes(client, admin, **params):
    response = client.get("/api/v1/customers", query_string=params, headers=admin)
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


def test_login_finds_the_customer_by_the_start_of_a_radius_login(app, client, admin):
    maria, joao = build_customer(app), build_customer(app)
    build_login(app, build_subscription(app, customer_code=maria), "maria.souza")
    build_login(app, build_subscription(app, customer_code=joao), "joao.lima")
    assert _codes(client, admin, q="maria.s", field="login") == [maria]
    assert _codes(client, admin, q="JOAO.LIMA", field="login") == [joao]
    assert _codes(client, admin, q="ana", field="login") == []


def test_login_ignores_deleted_logins(app, client, admin):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    login_id = build_login(app, subscription_id, "apagado")
    deleted = client.delete(
        f"/api/v1/subscriptions/{subscription_id}/items/{login_id}", headers=admin
    )
    assert deleted.status_code == 204
    assert _codes(client, admin, q="apagado", field="login") == []


def test_login_wildcards_are_literal(app, client, admin):
    code = build_customer(app)
    build_login(app, build_subscription(app, customer_code=code), "ab_cd")
    build_login(app, build_subscription(app), "abxcd")
    assert _codes(client, admin, q="ab_", field="login") == [code]


def test_domain_finds_customers_with_a_mailbox_there(app, client, admin):
    first, second, other = build_customer(app), build_customer(app), build_customer(app)
    _add_mailbox(client, admin, build_subscription(app, customer_code=first), "a@loja.com.br")
    _add_mailbox(client, admin, build_subscription(app, customer_code=second), "b@Loja.com.br")
    _add_mailbox(client, admin, build_subscription(app, customer_code=other), "c@outra.com.br")
    assert sorted(_codes(client, admin, q="loja.com.br", field="domain")) == [first, second]
    assert _codes(client, admin, q="@outra.com.br", field="domain") == [other]


def test_a_term_the_field_cannot_use_is_a_422_with_its_rule(client, admin):
    for field, term in (("login", "a"), ("login", "com espaço"), ("domain", "semponto")):
        response = client.get(
            "/api/v1/customers", query_string={"q": term, "field": field}, headers=admin
        )
        assert response.status_code == 422, (field, term)
        assert f"A search by {field} needs" in response.get_json()["errors"]["q"][0]


# --- an attendant on the phone with only a mailbox or a login (field=email, field=any) ---------


def test_email_and_any_find_the_customer_by_a_mailbox_of_their_plan(app, client, admin):
    maria = build_customer(app, name="Maria Nogueira", email="financeiro@empresa.com.br")
    other = build_customer(app, name="Outra Pessoa", email="outra@nogueira.net.br")
    _add_mailbox(
        client, admin, build_subscription(app, customer_code=maria), "maria@nogueira.net.br"
    )
    for field in ("email", "any"):
        assert _codes(client, admin, q="maria@nogueira.net.br", field=field) == [maria], field
        assert _codes(client, admin, q="MARIA@Nogueira", field=field) == [maria], field
    # part of an address: the customer's own e-mail or a mailbox, in code order
    assert _codes(client, admin, q="nogueira.net", field="email") == [maria, other]
    assert _codes(client, admin, q="financeiro@empresa", field="email") == [maria]


def test_a_deleted_mailbox_no_longer_finds_its_customer(app, client, admin):
    code = build_customer(app, email=None)
    subscription_id = build_subscription(app, customer_code=code)
    _add_mailbox(client, admin, subscription_id, "antiga@nogueira.net.br")
    assert _codes(client, admin, q="antiga@nogueira.net.br", field="email") == [code]
    items = client.get(f"/api/v1/subscriptions/{subscription_id}/items", headers=admin)
    (mailbox,) = [i for i in items.get_json()["items"] if i["kind"] == "email"]
    url = f"/api/v1/subscriptions/{subscription_id}/items/{mailbox['id']}"
    assert client.delete(url, headers=admin).status_code == 204
    assert _codes(client, admin, q="antiga@nogueira.net.br", field="email") == []


def test_any_finds_the_customer_by_a_whole_radius_login(app, client, admin):
    maria, joao = build_customer(app, name="Maria Nogueira"), build_customer(app)
    build_login(app, build_subscription(app, customer_code=maria), "maria.nogueira")
    build_login(app, build_subscription(app, customer_code=joao), "mn2024")
    assert _codes(client, admin, q="maria.nogueira", field="any") == [maria]
    assert _codes(client, admin, q="MN2024", field="any") == [joao]
    assert _codes(client, admin, q="mn2024", field="any", active="false") == []


def test_a_mailbox_or_login_search_stays_on_indexes(app, backend):
    """PostgreSQL: a subquery ORed with the customer's columns must not make the planner read
    every customer (`IN (subquery)` in an OR would): with sequential scans priced out, the
    plan must still be all index scans."""
    if backend != "postgresql":
        pytest.skip("the trigram indexes and this planner are PostgreSQL's")
    with app.app_context():
        for q, field in (("maria@nogueira.net.br", "any"), ("maria@nog", "email")):
            query = customer_search._query(q, field, None).with_only_columns(Customer.code)
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            rows = db.session.execute(text(f"EXPLAIN {compiled}")).all()
            plan = "\n".join(row[0] for row in rows)
            assert "Seq Scan" not in plan, plan
            assert "Index Cond: (code = ANY" in plan, plan  # the owners, by primary key
            db.session.rollback()
