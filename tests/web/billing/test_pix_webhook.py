"""POST /api/v1/pix/webhook/{account}: the PSP tells the service a PIX was received. Each PIX
settles its receivable exactly once, by a worker; the answer is immediate; anything else that
posts there is refused and changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from models.audit import set_actor
from models.db import db
from tests.builders import BUILDER, build_receivable
from tests.tasks.billing.test_auto_suspension import debtor, group_of, subscription, sweep
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.billing.pix_helpers import (
    charge_of,
    connect_default_account,
    paid,
    pix,
    plan_charges,
    webhook_url,
)

# debtor() (test_auto_suspension) builds for the suspension stage alone.
pytestmark = pytest.mark.usefixtures("suspension_stage_alone")


def _received(app) -> list[tuple]:
    with app.app_context():
        query = text("SELECT end_to_end_id, status, amount FROM pix_received ORDER BY id")
        return [tuple(row) for row in db.session.execute(query)]


def _charged(app, amount: str = "99.90") -> tuple[int, str]:
    receivable_id = build_receivable(app, amount=amount)
    plan_charges(app)
    return receivable_id, charge_of(app, receivable_id).txid


def test_a_paid_webhook_settles_the_receivable_on_a_worker(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app)
    answer = client.post(webhook_url(account_id, secret), json={"pix": [pix(txid, "99.90")]})
    assert answer.status_code == 200 and answer.json == {"received": 1}
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
    assert paid(app, receivable_id) == ("paid", Decimal("99.90"))
    assert [row[1] for row in _received(app)] == ["applied"]
    assert charge_of(app, receivable_id).status == "concluded"


def test_the_same_pix_delivered_five_times_settles_once(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "50.00")
    body = {"pix": [pix(txid, "30.00")]}  # a partial payment: a second one would show
    for _ in range(5):
        assert client.post(webhook_url(account_id, secret), json=body).status_code == 200
    assert wait_until(lambda: paid(app, receivable_id)[0] == "partially_paid", timeout=30)
    assert wait_until(lambda: [r[1] for r in _received(app)] == ["applied"], timeout=30)
    status, amount = paid(app, receivable_id)
    assert (status, str(amount)) == ("partially_paid", "30.00")


def test_a_partial_pix_leaves_a_balance_and_the_charge_asks_for_it(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "99.90")
    client.post(webhook_url(account_id, secret), json={"pix": [pix(txid, "40.00")]})
    assert wait_until(lambda: paid(app, receivable_id)[0] == "partially_paid", timeout=30)
    charge = charge_of(app, receivable_id)
    assert (charge.status, str(charge.amount)) == ("pending", "59.90")  # PATCHed by a worker


def test_reordered_deliveries_settle_each_pix_once(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "100.00")
    first, second = pix(txid, "60.00"), pix(txid, "40.00")
    for body in ({"pix": [second]}, {"pix": [first, second]}, {"pix": [first]}):
        assert client.post(webhook_url(account_id, secret), json=body).status_code == 200
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
    assert wait_until(lambda: len(_received(app)) == 2, timeout=5)
    assert str(paid(app, receivable_id)[1]) == "100.00"


def test_an_unknown_txid_is_listed_for_finance_never_guessed(
    app, client, headers_for, celery_worker
):
    account_id, secret = connect_default_account(app)
    receivable_id, _ = _charged(app)
    body = {"pix": [pix("NAOEXISTENENHUMACOBRANCA0001", "99.90"), pix(None, "15.00")]}
    assert client.post(webhook_url(account_id, secret), json=body).status_code == 200
    assert wait_until(lambda: [r[1] for r in _received(app)] == ["unknown"] * 2, timeout=30)
    assert paid(app, receivable_id)[0] == "open"
    listed = client.get(f"{API}/pix/received?status=unknown", headers=headers_for("finance"))
    assert listed.status_code == 200 and listed.json["total"] == 2
    assert {item["amount"] for item in listed.json["items"]} == {"99.90", "15.00"}
    denied = client.get(f"{API}/pix/received", headers=headers_for("attendant"))
    assert denied.status_code == 403


def test_a_pix_for_a_receivable_already_paid_is_kept_for_finance(app, client, admin, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "99.90")
    typed = client.post(
        f"{API}/receivables/{receivable_id}/payments",
        json={"paid_on": str(_today(app)), "amount": "99.90"},
        headers=admin,
    )
    assert typed.status_code == 200, typed.json
    client.post(webhook_url(account_id, secret), json={"pix": [pix(txid, "99.90")]})
    assert wait_until(lambda: [r[1] for r in _received(app)] == ["not_owed"], timeout=30)
    assert str(paid(app, receivable_id)[1]) == "99.90"  # nothing added, nothing lost


def test_a_refund_reopens_what_it_undoes_once(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "99.90")
    payment = pix(txid, "99.90")
    client.post(webhook_url(account_id, secret), json={"pix": [payment]})
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
    refund = {"id": "D1", "rtrId": "D18236120202612061200abcdefghijk", "valor": "99.90"}
    processing = {**payment, "devolucoes": [{**refund, "status": "EM_PROCESSAMENTO"}]}
    client.post(webhook_url(account_id, secret), json={"pix": [processing]})
    refunded = {**payment, "devolucoes": [{**refund, "status": "DEVOLVIDO"}]}
    for _ in range(3):
        client.post(webhook_url(account_id, secret), json={"pix": [refunded]})
    assert wait_until(lambda: paid(app, receivable_id)[0] == "open", timeout=30)
    assert wait_until(lambda: _refund_handled(app), timeout=10)
    assert paid(app, receivable_id) == ("open", None)


def _refund_handled(app) -> bool:
    with app.app_context():
        query = text("SELECT status, handled_at IS NOT NULL FROM pix_refunds")
        return [tuple(row) for row in db.session.execute(query)] == [("DEVOLVIDO", True)]


def test_a_paid_webhook_lifts_a_suspension_for_non_payment_and_radius_follows(
    app, client, admin, celery_worker
):
    account_id, secret = connect_default_account(app)
    _, subscription_id, receivable_id = debtor(app, client, admin, logins=("devedor-pix",))
    assert sweep(app)["suspended"] == 1
    suspended_group = group_of(app, "devedor-pix")
    plan_charges(app)
    txid = charge_of(app, receivable_id).txid
    client.post(webhook_url(account_id, secret), json={"pix": [pix(txid, "99.90")]})
    assert wait_until(
        lambda: subscription(client, admin, subscription_id)["status"] == "active", timeout=30
    )
    assert group_of(app, "devedor-pix") != suspended_group


def test_inter_posts_a_bare_array(app, client, celery_worker):
    account_id, secret = connect_default_account(app, provider="inter")
    receivable_id, txid = _charged(app)
    answer = client.post(webhook_url(account_id, secret, suffix=""), json=[pix(txid, "99.90")])
    assert answer.status_code == 200
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)


def test_the_secret_may_come_in_a_header_from_the_proxy(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app)
    answer = client.post(
        webhook_url(account_id, None),
        json={"pix": [pix(txid, "99.90")]},
        headers={"X-Webhook-Secret": secret},
    )
    assert answer.status_code == 200
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)


@pytest.mark.parametrize(
    "secret", [None, "", "wrong", "x" * 500], ids=["none", "empty", "wrong", "long"]
)
def test_a_post_without_the_accounts_secret_is_refused_and_changes_nothing(app, client, secret):
    account_id, _ = connect_default_account(app)
    receivable_id, txid = _charged(app)
    answer = client.post(webhook_url(account_id, secret), json={"pix": [pix(txid, "99.90")]})
    assert answer.status_code == 401 and answer.json["code"] == "unauthorized"
    assert _received(app) == [] and paid(app, receivable_id)[0] == "open"


def test_another_accounts_secret_or_an_unknown_account_is_refused(app, client):
    account_id, secret = connect_default_account(app)
    for other in (account_id + 1, 2**31 - 1, 2**40):
        answer = client.post(webhook_url(other, secret), json={"pix": []})
        assert answer.status_code in (401, 404)
    assert _received(app) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"pix": "not a list"}, 422),
        ({"pix": [{"endToEndId": "E1"}]}, 422),  # no valor, no horario
        ({"pix": [{"endToEndId": "E1!", "valor": "1.00", "horario": "2026-12-01T10:00:00Z"}]}, 422),
        ({"pix": [{"endToEndId": "E1", "valor": "-1.00", "horario": "2026-12-01T10:00:00Z"}]}, 422),
        ({"pix": [{"endToEndId": "E1", "valor": "1.001", "horario": "2026-12-01T10:00:00Z"}]}, 422),
        ({"pix": [{"endToEndId": "E1", "valor": "1.00", "horario": "2026-12-01T10:00:00"}]}, 422),
        ({"pix": [{"endToEndId": "E1", "valor": "1.00", "horario": "ontem"}]}, 422),
        ({"pix": [{"endToEndId": "E1", "valor": "NaN", "horario": "2026-12-01T10:00:00Z"}]}, 422),
    ],
    ids=["not-list", "missing", "bad-e2e", "negative", "sub-cent", "naive", "not-time", "nan"],
)
def test_a_body_that_is_not_pix_is_refused_whole(app, client, body, status):
    account_id, secret = connect_default_account(app)
    _, txid = _charged(app)
    good = pix(txid, "99.90")
    if isinstance(body.get("pix"), list):
        body = {"pix": [good, *body["pix"]]}  # one bad item: nothing of the delivery is kept
    answer = client.post(webhook_url(account_id, secret), json=body)
    assert answer.status_code == status, answer.json
    assert _received(app) == []


def test_a_body_that_is_not_json_is_a_400(app, client):
    account_id, secret = connect_default_account(app)
    answer = client.post(
        webhook_url(account_id, secret), data="{pix", content_type="application/json"
    )
    assert answer.status_code == 400
    answer = client.post(webhook_url(account_id, secret), data="pix=1")
    assert answer.status_code == 415


def test_a_bare_array_is_only_taken_from_a_psp_that_sends_one(app, client):
    account_id, secret = connect_default_account(app)  # a standard PSP
    _, txid = _charged(app)
    answer = client.post(webhook_url(account_id, secret), json=[pix(txid, "99.90")])
    assert answer.status_code == 422 and _received(app) == []


def test_a_psps_test_post_on_registration_is_answered_200(app, client):
    account_id, secret = connect_default_account(app)
    answer = client.post(webhook_url(account_id, secret), json={"evento": "teste_webhook"})
    assert answer.status_code == 200 and answer.json == {"received": 0}
    assert _received(app) == []


def test_a_deactivated_connection_still_takes_the_pix_of_its_charges(app, client, celery_worker):
    from models.billing import psp_connections

    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app)
    with app.app_context():
        psp_connections.connection_of(account_id).active = False
        db.session.commit()
    answer = client.post(webhook_url(account_id, secret), json={"pix": [pix(txid, "99.90")]})
    assert answer.status_code == 200  # the customer paid a code they held: credited
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)


def test_a_pix_with_an_empty_txid_is_one_without(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    answer = client.post(webhook_url(account_id, secret), json={"pix": [pix("", "5.00")]})
    assert answer.status_code == 200
    assert wait_until(lambda: [r[1] for r in _received(app)] == ["unknown"], timeout=30)


def test_another_accounts_txid_is_unknown_here(app, client, celery_worker):
    from models.billing.billing_accounts import create_billing_account
    from models.billing.psp_connections import save_connection
    from tests.web.billing.pix_helpers import PLACEHOLDER_PEM

    connect_default_account(app)
    receivable_id, txid = _charged(app)  # a charge on the default account
    with app.app_context():
        set_actor(db.session, BUILDER)
        other = create_billing_account(
            {"name": "Outra", "bank": "237", "agency": "1234", "agency_dv": "5",
             "account": "1234567", "account_dv": "1", "agreement": "123", "wallet": "09",
             "beneficiary_name": "Provedor", "cnab_layout": 400}
        )  # fmt: skip
        connection, _ = save_connection(
            other.id,
            {"base_url": "https://b.invalid/v2", "token_url": "https://b.invalid/t",
             "client_id": "b", "client_secret": "b", "certificate_pem": PLACEHOLDER_PEM,
             "pix_key": "b@b.example"},
        )  # fmt: skip
        other_secret, other_id = connection.new_webhook_secret(), other.id
        db.session.commit()
    answer = client.post(webhook_url(other_id, other_secret), json={"pix": [pix(txid, "99.90")]})
    assert answer.status_code == 200
    assert wait_until(lambda: [r[1] for r in _received(app)] == ["unknown"], timeout=30)
    assert paid(app, receivable_id)[0] == "open"


def test_more_than_a_thousand_pix_at_once_is_refused(app, client):
    account_id, secret = connect_default_account(app)
    body = {"pix": [pix(None, "1.00") for _ in range(1001)]}
    assert client.post(webhook_url(account_id, secret), json=body).status_code == 422
    assert _received(app) == []


def _today(app):
    from models.clock import local_today

    with app.app_context():
        return local_today()


def test_the_next_day_the_pix_paid_yesterday_counts_as_paid_yesterday(app, client, celery_worker):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app)
    late_evening = pix(txid, "99.90")
    late_evening["horario"] = (
        f"{_today(app) - timedelta(days=1)}T23:30:00-03:00"  # the ISP's zone: yesterday
    )
    client.post(webhook_url(account_id, secret), json={"pix": [late_evening]})
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
    with app.app_context():
        paid_on = db.session.scalar(
            text("SELECT paid_on FROM receivables WHERE id = :id"), {"id": receivable_id}
        )
    assert str(paid_on) == str(_today(app) - timedelta(days=1))
