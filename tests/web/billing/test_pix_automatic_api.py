"""Pix Automático through the API: POST/GET/DELETE /subscriptions/{id}/pix-automatico (area
`pix`: admin and finance), the webhook's `recs` and `cobsr` branches, and each bad input's 4xx
(changing nothing)."""

from datetime import date, timedelta

import pytest

from models.audit import set_actor
from models.billing import pix_automatic, pix_payments, pix_recurring_charges
from models.billing.pix_automatic import PixRecurrence
from models.db import db
from tests.builders import build_customer, build_receivable, build_subscription
from tests.models.billing.pix_automatic_support import (
    SYSTEM,
    FakePsp,
    connect_psp,
    on_day,
    paid_amount,
    webhook_secret,
)
from tests.outbox import recorded_effects
from tests.waiting import wait_until

API = "/api/v1"
DUE = date(2027, 5, 20)


def url(subscription_id: int) -> str:
    return f"{API}/subscriptions/{subscription_id}/pix-automatico"


def run(app, operation, *args, **kwargs):
    with app.app_context():
        set_actor(db.session, SYSTEM)
        result = operation(*args, **kwargs)
        db.session.commit()
        return result


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(PixRecurrence.id)))


@pytest.fixture
def subscription(app):
    return build_subscription(app, build_customer(app))


def test_post_asks_for_it_and_get_shows_the_qr_code_once_the_worker_made_it(
    app, client, admin, subscription
):
    connect_psp(app)
    with recorded_effects() as sent:
        answer = client.post(url(subscription), json={"journey": 2}, headers=admin)
    assert answer.status_code == 202, answer.json
    assert answer.json["status"] == "pending" and answer.json["pix_code"] is None
    assert answer.json["subscription_id"] == subscription and answer.json["charges"] == []
    (task,) = sent
    assert task[0] == pix_automatic.CREATE_TASK
    psp = FakePsp()
    run(app, pix_automatic.create_recurrence, *task[1], api_for=psp.api_for)
    shown = client.get(url(subscription), headers=admin)
    assert shown.status_code == 200
    assert shown.json["status"] == "created" and shown.json["id_rec"] in psp.recs
    assert shown.json["pix_code"].startswith("000201") and shown.json["location"]


def test_finance_may_ask_attendants_and_technicians_may_not(app, client, headers_for, subscription):
    connect_psp(app)
    for role in ("attendant", "technician"):
        for method in ("post", "get", "delete"):
            answer = getattr(client, method)(
                url(subscription), json={"journey": 2}, headers=headers_for(role)
            )
            assert answer.status_code == 403, (role, method)
    assert client.post(url(subscription), json={"journey": 2}).status_code == 401
    with recorded_effects():
        answer = client.post(url(subscription), json={"journey": 2}, headers=headers_for("finance"))
    assert answer.status_code == 202
    assert client.get(url(subscription), headers=headers_for("finance")).status_code == 200


def test_409_without_an_active_psp_connection(app, client, admin, subscription):
    answer = client.post(url(subscription), json={"journey": 2}, headers=admin)
    assert answer.status_code == 409 and "billing_account_id" in answer.json["errors"]
    connect_psp(app, active=False)
    answer = client.post(url(subscription), json={"journey": 2}, headers=admin)
    assert answer.status_code == 409
    assert count(app) == 0


def test_409_when_the_subscription_already_has_a_live_one(app, client, admin, subscription):
    connect_psp(app)
    with recorded_effects():
        assert client.post(url(subscription), json={"journey": 2}, headers=admin).status_code == 202
        again = client.post(url(subscription), json={"journey": 2}, headers=admin)
    assert again.status_code == 409 and "subscription" in again.json["errors"]
    assert count(app) == 1


def test_parallel_posts_make_one(app, client, admin, subscription):
    from tests.web.test_concurrency import _in_parallel

    connect_psp(app)
    with recorded_effects():
        answers = _in_parallel(
            app, 4, lambda c, _: c.post(url(subscription), json={"journey": 2}, headers=admin)
        )
    assert sorted(a.status_code for a in answers) == [202, 409, 409, 409]
    assert count(app) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"journey": 1}, 422),
        ({"journey": 4}, 422),
        ({"journey": "2"}, 422),
        ({"journey": None}, 422),
        ({}, 422),
        ({"journey": 2, "other": 1}, 422),
        ([], 422),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(app, client, admin, subscription, body, status):
    connect_psp(app)
    answer = client.post(url(subscription), json=body, headers=admin)
    assert answer.status_code == status, answer.json
    assert count(app) == 0


def test_a_body_that_is_not_json_is_415(app, client, admin, subscription):
    connect_psp(app)
    answer = client.post(url(subscription), data="journey=2", headers=admin)
    assert answer.status_code == 415
    answer = client.post(
        url(subscription), data="{journey", headers=admin, content_type="application/json"
    )
    assert answer.status_code == 400
    assert count(app) == 0


def test_unknown_subscriptions_and_none_yet_are_404(app, client, admin, subscription):
    connect_psp(app)
    for missing in (999_999, 2**40):
        assert client.post(url(missing), json={"journey": 2}, headers=admin).status_code == 404
    assert client.get(url(subscription), headers=admin).status_code == 404
    assert client.delete(url(subscription), headers=admin).status_code == 404


def test_journey_3_needs_an_open_bill_and_a_cancelled_subscription_none(
    app, client, admin, subscription
):
    connect_psp(app)
    answer = client.post(url(subscription), json={"journey": 3}, headers=admin)
    assert answer.status_code == 422 and "journey" in answer.json["errors"]
    cancel = client.post(
        f"{API}/subscriptions/{subscription}/cancel",
        json={"cancel_reason": "Outros"},
        headers=admin,
    )
    assert cancel.status_code == 200
    assert client.post(url(subscription), json={"journey": 2}, headers=admin).status_code == 409
    assert count(app) == 0


def test_delete_cancels_it_at_the_psp(app, client, admin, subscription):
    connect_psp(app)
    psp = FakePsp()
    with recorded_effects() as sent:
        client.post(url(subscription), json={"journey": 2}, headers=admin)
        run(app, pix_automatic.create_recurrence, *sent[0][1], api_for=psp.api_for)
        answer = client.delete(url(subscription), headers=admin)
        assert answer.status_code == 202 and answer.json["status"] == "cancelling"
        assert sent[-1][0] == pix_automatic.CANCEL_TASK
        run(app, pix_automatic.cancel_at_psp, *sent[-1][1], api_for=psp.api_for)
    assert client.get(url(subscription), headers=admin).json["status"] == "cancelled"
    assert [rec["status"] for rec in psp.recs.values()] == ["CANCELADA"]
    assert client.delete(url(subscription), headers=admin).status_code == 404
    with recorded_effects():  # a new one may be asked for
        assert client.post(url(subscription), json={"journey": 2}, headers=admin).status_code == 202


@pytest.fixture
def approved_by_webhook(app, client, admin, subscription):
    """The recurrence made at the fake PSP and approved by a webhook the route receives."""
    account_id = connect_psp(app)
    secret = webhook_secret(app, account_id)
    psp = FakePsp()
    with recorded_effects() as sent:  # the staff's tokens live in today's time
        client.post(url(subscription), json={"journey": 2}, headers=admin)
        run(app, pix_automatic.create_recurrence, *sent[0][1], api_for=psp.api_for)
        id_rec = client.get(url(subscription), headers=admin).json["id_rec"]
        hook = f"{API}/pix/webhook/{account_id}/rec?hmac={secret}"
        answer = client.post(hook, json={"recs": [psp.approve(id_rec)]})
        assert answer.status_code == 200 and answer.json == {"received": 1}
    customer = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json
    bill = build_receivable(
        app, customer["customer_code"], due_date=DUE, subscription_id=subscription
    )
    return {"account_id": account_id, "secret": secret, "psp": psp, "bill": bill}


def test_approval_by_webhook_then_a_cobr_then_concluida_three_times_settles_once(
    app, client, admin, subscription, approved_by_webhook
):
    setup, psp = approved_by_webhook, approved_by_webhook["psp"]
    assert client.get(url(subscription), headers=admin).json["status"] == "approved"
    with on_day(DUE - timedelta(days=7)), recorded_effects():
        (charge_id,) = run(app, pix_recurring_charges.plan_recurring)
        run(app, pix_recurring_charges.sync_recurring_charge, charge_id, api_for=psp.api_for)
    (charge,) = client.get(url(subscription), headers=admin).json["charges"]
    assert charge["status"] == "active" and charge["due_date"] == DUE.isoformat()
    assert charge["amount"] == "99.90" and charge["receivable_id"] == setup["bill"]
    notice = {
        "idRec": client.get(url(subscription), headers=admin).json["id_rec"],
        "txid": charge["txid"],
        "status": "CONCLUIDA",
        "atualizacao": [{"status": "CONCLUIDA", "data": "2027-05-20T10:00:00Z"}],
        "tentativas": [{"status": "PAGA", "endToEndId": "E12345678202705201000abcdefghijk"}],
    }
    hook = f"{API}/pix/webhook/{setup['account_id']}/cobr?hmac={setup['secret']}"
    with on_day(DUE), recorded_effects() as sent:
        for _ in range(3):
            assert client.post(hook, json={"cobsr": [notice]}).status_code == 200
        applies = [args for name, args, _ in sent if name == pix_payments.APPLY_TASK]
        assert applies
        for args in applies:  # the worker, as often as it was asked
            run(app, pix_payments.apply_received, *args)
    assert paid_amount(app, setup["bill"])[0] == "paid"
    assert client.get(url(subscription), headers=admin).json["charges"][0]["status"] == "concluded"
    received = client.get(f"{API}/pix/received", headers=admin).json
    assert received["total"] == 1 and received["items"][0]["txid"] == charge["txid"]


@pytest.mark.parametrize(
    "body",
    [
        {"recs": "APROVADA"},
        {"recs": [{"idRec": "short", "status": "APROVADA"}]},
        {"recs": [{"idRec": "RN1234567820270101000000000001", "status": "APROVADA"}]},
        {"recs": [{"idRec": "RN123456782027010100000000001", "status": "ACEITA"}]},
        {"cobsr": {"txid": "x"}},
        {"cobsr": [{"txid": "not a txid!", "status": "CONCLUIDA"}]},
        {"cobsr": [{"txid": "PR000000000000000000000001"}]},
    ],
)
def test_a_webhook_body_that_is_not_one_is_refused_and_changes_nothing(
    app, client, admin, subscription, approved_by_webhook, body
):
    setup = approved_by_webhook
    hook = f"{API}/pix/webhook/{setup['account_id']}/rec?hmac={setup['secret']}"
    answer = client.post(hook, json=body)
    assert answer.status_code == 422, answer.json
    assert client.get(url(subscription), headers=admin).json["status"] == "approved"


def test_a_webhook_without_the_secret_is_401(app, client, admin, subscription, approved_by_webhook):
    setup = approved_by_webhook
    hook = f"{API}/pix/webhook/{setup['account_id']}/rec?hmac=wrong"
    id_rec = client.get(url(subscription), headers=admin).json["id_rec"]
    answer = client.post(hook, json={"recs": [{"idRec": id_rec, "status": "CANCELADA"}]})
    assert answer.status_code == 401
    assert client.get(url(subscription), headers=admin).json["status"] == "approved"


# --- end to end: the stand-in PSP, the suite's real worker, the service behind mutual TLS ----


@pytest.fixture
def live_psp(app, client, admin, override_settings, celery_worker):
    """The stand-in PSP and the service connected to it as in production (tests/pix_psp/
    service.py: behind the proxy's mutual TLS, the webhooks registered by a worker)."""
    from models.clock import local_today
    from tests.pix_psp import PspStandIn
    from tests.pix_psp.service import connected_service

    with PspStandIn() as psp:
        psp.set_today(local_today())  # the PSP's calendar is the ISP's
        with connected_service(app, psp, client, admin, override_settings):
            assert wait_until(lambda: webhooks_registered(psp) == 3, timeout=30), psp.requests
            yield psp
        assert psp.violations == [] and psp.window_violations == 0


def webhooks_registered(psp) -> int:
    paths = {path for method, path, _body in list(psp.requests) if method == "PUT"}
    return len({p for p in paths if p.startswith(("/webhook/", "/webhookrec", "/webhookcobr"))})


def cobr_puts(psp) -> list[str]:
    return [path for method, path, _ in list(psp.requests) if method == "PUT" and "/cobr/" in path]


def shown(client, admin, subscription) -> dict:
    return client.get(url(subscription), headers=admin).json


def test_end_to_end_approved_charged_inside_the_window_once_settled_once(
    app, client, admin, subscription, live_psp
):
    from models.clock import local_today
    from tasks.billing import plan_pix_automatic

    psp = live_psp
    assert client.post(url(subscription), json={"journey": 2}, headers=admin).status_code == 202
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "created")
    recurrence = shown(client, admin, subscription)
    assert recurrence["pix_code"] and recurrence["id_rec"] in psp.ledger.recs
    psp.approve_rec(recurrence["id_rec"])  # webhookrec, over mutual TLS, to the service
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "approved")

    customer = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json
    code, today = customer["customer_code"], local_today()
    bills = {
        days: build_receivable(
            app, code, due_date=today + timedelta(days=days), subscription_id=subscription
        )
        for days in (1, 2, 10, 11)
    }
    for _ in range(2):  # two beats
        plan_pix_automatic.delay()
    assert wait_until(lambda: len(shown(client, admin, subscription)["charges"]) == 2)
    charges = shown(client, admin, subscription)["charges"]
    assert [c["receivable_id"] for c in charges] == [bills[2], bills[10]]
    assert wait_until(
        lambda: all(c["status"] == "active" for c in shown(client, admin, subscription)["charges"])
    )
    celery = app.extensions["celery"]
    with app.app_context():
        ids = db.session.scalars(db.select(pix_recurring_charges.PixRecurringCharge.id)).all()
    for charge_id in ids:  # a duplicated message changes nothing
        celery.send_task(pix_recurring_charges.SYNC_TASK, args=[charge_id])
    plan_pix_automatic.delay()
    assert wait_until(lambda: len(cobr_puts(psp)) == 2, timeout=10)
    assert sorted(cobr_puts(psp)) == sorted(f"/cobr/{c['txid']}" for c in charges)

    psp.webhooks.duplicate(3)  # CONCLUIDA delivered three times
    psp.settle_cobr(charges[0]["txid"], paid=True)
    assert wait_until(lambda: paid_amount(app, bills[2])[0] == "paid")
    received = client.get(f"{API}/pix/received", headers=admin).json
    assert received["total"] == 1 and received["items"][0]["status"] == "applied"
    assert str(paid_amount(app, bills[2])[1]) == "99.90"


def test_end_to_end_a_failed_debit_falls_back_to_a_cobv_and_cancelling_cancels_the_rec(
    app, client, admin, subscription, live_psp
):
    from models.clock import local_today
    from tasks.billing import plan_pix_automatic

    psp = live_psp
    client.post(url(subscription), json={"journey": 2}, headers=admin)
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "created")
    id_rec = shown(client, admin, subscription)["id_rec"]
    psp.approve_rec(id_rec)
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "approved")
    code = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json["customer_code"]
    bill = build_receivable(
        app, code, due_date=local_today() + timedelta(days=4), subscription_id=subscription
    )
    plan_pix_automatic.delay()
    assert wait_until(
        lambda: [c["status"] for c in shown(client, admin, subscription)["charges"]] == ["active"]
    )
    (charge,) = shown(client, admin, subscription)["charges"]
    assert psp.charges == {}  # no cobv while the cobr holds the bill

    psp.settle_cobr(charge["txid"], paid=False, failed_status="REJEITADA")
    assert wait_until(
        lambda: shown(client, admin, subscription)["charges"][0]["status"] == "failed"
    )
    pix_charge = f"{API}/receivables/{bill}/pix-charge"  # the fallback: a cobv, by a worker
    assert wait_until(lambda: client.get(pix_charge, headers=admin).json.get("status") == "active")
    assert list(psp.charges) == [client.get(pix_charge, headers=admin).json["txid"]]

    cancel = client.post(
        f"{API}/subscriptions/{subscription}/cancel",
        json={"cancel_reason": "Outros"},
        headers=admin,
    )
    assert cancel.status_code == 200
    plan_pix_automatic.delay()
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "cancelled")
    assert psp.ledger.recs[id_rec]["status"] == "CANCELADA"


def test_end_to_end_journey_3_the_first_bill_is_paid_by_the_composed_code(
    app, client, admin, subscription, live_psp
):
    from models.clock import local_today

    psp = live_psp
    code = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json["customer_code"]
    bill = build_receivable(
        app, code, due_date=local_today() + timedelta(days=20), subscription_id=subscription
    )
    assert client.post(url(subscription), json={"journey": 3}, headers=admin).status_code == 202
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "created")
    recurrence = shown(client, admin, subscription)
    assert recurrence["journey"] == 3 and recurrence["first_receivable_id"] == bill
    rec = psp.ledger.recs[recurrence["id_rec"]]
    assert rec["ativacao"]["tipoJornada"] == "JORNADA_3"
    assert rec["ativacao"]["dadosJornada"] == {"txid": recurrence["first_txid"]}
    assert psp.ledger.cobs[recurrence["first_txid"]]["valor"] == {"original": "99.90"}

    psp.pay(recurrence["first_txid"])  # the customer pays the composed code's charge
    psp.approve_rec(recurrence["id_rec"])  # and so approves the recurrence
    assert wait_until(lambda: paid_amount(app, bill)[0] == "paid")
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "approved")
    assert str(paid_amount(app, bill)[1]) == "99.90"


@pytest.mark.slow
def test_end_to_end_a_worker_killed_after_the_put_leaves_one_cobr(
    app, settings, client, admin, subscription, live_psp, tmp_path
):
    """A real worker process sends the cobr and is killed before its commit (the PSP has the
    cobr, the row is still pending); the sync again, on another worker, finds it."""
    from models.clock import local_today
    from tasks.billing import sync_pix_recurring_charge
    from tests.tasks.billing.test_equipment_sale import _kill, _start_crash_worker

    psp = live_psp
    client.post(url(subscription), json={"journey": 2}, headers=admin)
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "created")
    psp.approve_rec(shown(client, admin, subscription)["id_rec"])
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "approved")
    code = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json["customer_code"]
    build_receivable(
        app, code, due_date=local_today() + timedelta(days=6), subscription_id=subscription
    )
    with recorded_effects():  # its message is lost: the crash worker gets it instead
        (charge_id,) = run(app, pix_recurring_charges.plan_recurring)

    # The sale test's crash worker stops before its task's first commit, whatever the task.
    queue, pause, log = "cobr-kill", tmp_path / "pause", tmp_path / "worker.log"
    pause.write_text("before_commit")
    worker = _start_crash_worker(settings, queue, pause, log)
    try:
        sync_pix_recurring_charge.apply_async([charge_id], queue=queue)
        paused = wait_until(lambda: pause.read_text().startswith("paused"), timeout=90)
        assert paused, log.read_text()[-3000:]
    finally:
        _kill(worker)
    assert len(cobr_puts(psp)) == 1  # the PSP has it; the row does not know
    assert shown(client, admin, subscription)["charges"][0]["status"] == "pending"

    sync_pix_recurring_charge.delay(charge_id)  # the next sweep's resend, on the suite's worker
    sync_pix_recurring_charge.delay(charge_id)  # and a duplicate
    assert wait_until(
        lambda: shown(client, admin, subscription)["charges"][0]["status"] == "active"
    )
    wait_until(lambda: False, timeout=1)
    assert len(cobr_puts(psp)) == 1


def test_end_to_end_lost_webhooks_are_followed_up_by_asking_the_psp(
    app, client, admin, subscription, live_psp
):
    """A lost webhookrec: the sweep asks the PSP (GET /rec) once the recurrence has waited
    its time. A lost webhookcobr of a failed debit: the sweep asks (GET /cobr) after the due
    date, and the bill falls back to a cobv."""
    import time_machine

    from models.clock import local_today, utcnow
    from tasks.billing import plan_pix_automatic

    psp = live_psp
    client.post(url(subscription), json={"journey": 2}, headers=admin)
    assert wait_until(lambda: shown(client, admin, subscription)["status"] == "created")
    id_rec = shown(client, admin, subscription)["id_rec"]
    psp.webhooks.drop(1)
    psp.approve_rec(id_rec)  # its webhookrec is lost
    plan_pix_automatic.delay()
    assert not wait_until(
        lambda: shown(client, admin, subscription)["status"] == "approved", timeout=2
    )  # not asked yet: approval by webhook is the rule, asking the fallback
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=True):
        plan_pix_automatic.delay()
        assert wait_until(lambda: shown(client, admin, subscription)["status"] == "approved")

    code = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json["customer_code"]
    due = local_today() + timedelta(days=4)
    bill = build_receivable(app, code, due_date=due, subscription_id=subscription)
    plan_pix_automatic.delay()
    assert wait_until(
        lambda: [c["status"] for c in shown(client, admin, subscription)["charges"]] == ["active"]
    )
    (charge,) = shown(client, admin, subscription)["charges"]
    psp.webhooks.drop(1)
    psp.settle_cobr(charge["txid"], paid=False, failed_status="REJEITADA")  # lost
    plan_pix_automatic.delay()  # before the due date: nothing to ask yet
    assert not wait_until(
        lambda: shown(client, admin, subscription)["charges"][0]["status"] == "failed", timeout=2
    )
    with time_machine.travel(utcnow() + timedelta(days=5), tick=True):  # past the due date
        psp.set_today(due + timedelta(days=1))
        plan_pix_automatic.delay()
        assert wait_until(lambda: _cobr_status(app, charge["txid"]) == "failed")
        assert wait_until(lambda: _cobv_status(app, bill) == "active")  # the fallback
    assert len(psp.webhooks.lost) == 2


def _cobr_status(app, txid: str) -> str:
    with app.app_context():
        return db.session.scalar(
            db.select(pix_recurring_charges.PixRecurringCharge.status).where(
                pix_recurring_charges.PixRecurringCharge.txid == txid
            )
        )


def _cobv_status(app, receivable_id: int) -> str | None:
    from models.billing import pix_charges

    with app.app_context():
        charge = pix_charges.charge_of(receivable_id)
        return charge.status if charge else None
