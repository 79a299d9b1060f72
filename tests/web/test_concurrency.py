"""Parallel requests: what a single client cannot show (lost updates, check-then-insert races)."""

import threading

from tests.conftest import TEST_PASSWORD
from tests.web.customer_payloads import new_cpf, pf_payload, pj_payload

API = "/api/v1"


def _in_parallel(app, count: int, request) -> list:
    """Run `request(client, index)` from `count` threads released together; return responses."""
    barrier = threading.Barrier(count)
    responses = [None] * count

    def run(index):
        client = app.test_client()
        barrier.wait()
        responses[index] = request(client, index)

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
        app, max_failures + 4, lambda c, _: c.post(f"{API}/auth/login", json=wrong)
    )

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) == max_failures  # every attempt counted, none lost
    right = client.post(f"{API}/auth/login", json={"username": "zeca", "password": TEST_PASSWORD})
    assert right.status_code == 429


def test_a_parallel_burst_from_one_address_gets_no_more_checks_than_its_budget(app, client):
    """Guesses at many usernames at once from one IP: the per-IP limit holds, not the threads."""
    budget = app.config["PROVEDOR_SETTINGS"].login_max_failures_per_ip
    address = {"REMOTE_ADDR": "198.51.100.77"}

    def guess(c, index):
        body = {"username": f"alvo{index}", "password": "Senha123!"}
        return c.post(f"{API}/auth/login", json=body, environ_base=address)

    responses = _in_parallel(app, budget + 15, guess)

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= budget  # each 401 was a password check
    assert 429 in statuses


def test_parallel_registrations_of_one_cpf_make_one_customer(app, client, admin):
    payload = pf_payload()

    responses = _in_parallel(
        app, 6, lambda c, _: c.post(f"{API}/customers", json=payload, headers=admin)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409], statuses
    conflicts = [r.get_json() for r in responses if r.status_code == 409]
    assert all(body["errors"]["cpf"] for body in conflicts)
    assert client.get(f"{API}/customers", headers=admin).get_json()["total"] == 1


def test_parallel_patches_cannot_combine_into_a_record_the_rules_forbid(app, client, admin):
    # One request turns a company (PJ) into a person (PF), clearing its PJ-only fields; the other
    # renames the company. Either order is fine; a mix (a PF with a trade name) is not.
    for _ in range(5):
        company = client.post(f"{API}/customers", json=pj_payload(), headers=admin).get_json()
        url = f"{API}/customers/{company['code']}"
        to_person = {
            "kind": "PF",
            "cpf": new_cpf(),
            "trade_name": None,
            "state_registration": None,
        }
        bodies = [to_person, {"trade_name": "Nome Fantasia Novo"}]

        def patch(c, index, url=url, bodies=bodies):
            return c.patch(url, json=bodies[index], headers=admin)

        responses = _in_parallel(app, 2, patch)

        assert sorted(r.status_code for r in responses) in ([200, 200], [200, 409])
        final = client.get(url, headers=admin).get_json()
        assert final["kind"] == "PJ" or final["trade_name"] is None, final
