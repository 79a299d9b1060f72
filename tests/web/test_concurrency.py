"""Parallel requests: what a single client cannot show (lost updates, check-then-insert races)."""

import threading

from tests.conftest import TEST_PASSWORD
from tests.web.customer_payloads import pf_payload

API = "/api/v1"


def _in_parallel(app, count: int, request) -> list:
    """Run `request(client)` from `count` threads released together; return the responses."""
    barrier = threading.Barrier(count)
    responses = [None] * count

    def run(index):
        client = app.test_client()
        barrier.wait()
        responses[index] = request(client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def test_parallel_wrong_passwords_get_no_more_tries_than_sequential_ones(app, client, make_user):
    make_user("zeca", "attendant")
    max_failures = app.config["PROVEDOR_SETTINGS"].login_max_failures
    wrong = {"username": "zeca", "password": "not the password"}

    responses = _in_parallel(
        app, max_failures + 4, lambda c: c.post(f"{API}/auth/login", json=wrong)
    )

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) == max_failures  # every attempt counted, none lost
    right = client.post(f"{API}/auth/login", json={"username": "zeca", "password": TEST_PASSWORD})
    assert right.status_code == 429


def test_parallel_registrations_of_one_cpf_make_one_customer(app, client, admin):
    payload = pf_payload()

    responses = _in_parallel(
        app, 6, lambda c: c.post(f"{API}/customers", json=payload, headers=admin)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409], statuses
    conflicts = [r.get_json() for r in responses if r.status_code == 409]
    assert all(body["errors"]["cpf"] for body in conflicts)
    assert client.get(f"{API}/customers", headers=admin).get_json()["total"] == 1
