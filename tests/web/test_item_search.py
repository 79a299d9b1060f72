"""Customer search by the items of their plans: field=login and field=domain."""

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
