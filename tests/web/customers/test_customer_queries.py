"""The customer GET runs a fixed number of SQL queries, however much the record holds.

Contacts, addresses and the rest of the record have their own routes: however many the
customer has, opening it costs the same.
"""

from tests.builders import build_cep, build_contact, build_customer
from tests.query_counter import counting_statements
from tests.web.api_helpers import API

# Authenticate (token and user, joined), the customer, its unread mandatory observations
# (authors joined, reads anti-joined).
CUSTOMER_GET_QUERIES = 3


def _observe(client, headers, code: int, mandatory: bool) -> int:
    body = {"type": "geral", "text": "Leia.", "mandatory_reading": mandatory}
    response = client.post(f"{API}/customers/{code}/observations", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def fill(client, writers: list[dict], reader: dict, code: int, observations: int) -> None:
    """Give the customer `observations` mandatory ones by turns of `writers` (every third one
    read by `reader`), one that is not mandatory, and as many contacts and addresses."""
    app = client.application
    build_cep(app)
    for number in range(observations):
        build_contact(app, code, name=f"Contato {number}", mobile="11987654321")
        address = {"type": "delivery", "cep": "01310-100", "number": str(number + 1)}
        added = client.post(f"{API}/customers/{code}/addresses", json=address, headers=writers[0])
        assert added.status_code == 201, added.get_json()
    for number in range(observations):
        writer = writers[number % len(writers)]
        observation_id = _observe(client, writer, code, mandatory=True)
        if number % 3 == 0:
            url = f"{API}/customers/{code}/observations/{observation_id}/acknowledge"
            assert client.post(url, headers=reader).status_code == 204
    _observe(client, writers[0], code, mandatory=False)


def _get_counting(app, client, headers, code: int) -> tuple[int, dict]:
    with counting_statements(app) as statements:
        response = client.get(f"{API}/customers/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return statements.count, response.get_json()


def test_the_customer_get_runs_the_same_few_queries_however_much_the_record_holds(
    app, client, headers_for
):
    admin, attendant, finance = (
        headers_for("admin"),
        headers_for("attendant"),
        headers_for("finance"),
    )
    small, large = build_customer(app), build_customer(app)
    fill(client, [admin], finance, small, observations=1)
    fill(client, [admin, attendant], finance, large, observations=30)

    small_count, small_body = _get_counting(app, client, finance, small)
    large_count, large_body = _get_counting(app, client, finance, large)

    assert len(small_body["unread_mandatory_observations"]) == 0  # its one is read
    assert len(large_body["unread_mandatory_observations"]) == 20
    assert small_count == large_count == CUSTOMER_GET_QUERIES


def test_another_users_reads_do_not_change_the_count(app, client, headers_for):
    attendant, technician = headers_for("attendant"), headers_for("technician")
    code = build_customer(app)
    fill(client, [attendant], attendant, code, observations=30)

    count, body = _get_counting(app, client, technician, code)

    assert len(body["unread_mandatory_observations"]) == 30
    assert count == CUSTOMER_GET_QUERIES
