"""PIX end to end against the stand-in PSP (tests/pix_psp): the worker creates each charge once
and keeps it in line with its receivable, the PSP's webhooks reach the service through mutual
TLS and settle once, reconciliation settles what a lost webhook missed, refunds reopen."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import text

from models.billing.pix import crc_is_valid, emv_fields
from models.clock import utcnow
from models.db import db
from tests.barcodes import read_barcodes
from tests.builders import build_customer, build_receivable
from tests.pix_psp import PspStandIn
from tests.pix_psp.service import connected_service
from tests.tasks.billing.test_auto_suspension import debtor, group_of, subscription, sweep
from tests.tasks.billing.test_equipment_sale import _kill, _start_crash_worker
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.billing.pix_helpers import charge_of, paid

# debtor() (test_auto_suspension) builds for the suspension stage alone.
pytestmark = pytest.mark.usefixtures("suspension_stage_alone")


@pytest.fixture
def psp():
    with PspStandIn() as stand_in:
        yield stand_in
    assert stand_in.violations == []  # nothing the service sent broke the Banco Central's document


@pytest.fixture
def service(app, psp, client, admin, override_settings, celery_worker):
    with connected_service(app, psp, client, admin, override_settings) as connected:
        yield connected


def _plan(celery) -> None:
    """What beat sends every minute."""
    celery.send_task("tasks.pix.plan_charges")


def _active_charge(app, celery, receivable_id: int):
    _plan(celery)
    assert wait_until(lambda: _status(app, receivable_id) == "active", timeout=30)
    return charge_of(app, receivable_id)


def _status(app, receivable_id: int) -> str | None:
    charge = charge_of(app, receivable_id)
    return charge.status if charge else None


def _puts(psp, txid: str) -> int:
    return sum(1 for method, path, _ in psp.requests if (method, path) == ("PUT", f"/cobv/{txid}"))


def test_a_charge_is_created_once_and_its_dynamic_code_reaches_the_api_the_pdf_and_the_mail(
    app, client, admin, psp, service, celery_worker, tmp_path
):
    customer_code = build_customer(app)
    receivable_id = build_receivable(app, customer_code, amount="129.90")
    for _ in range(2):  # two beats planning at once
        _plan(celery_worker)
    charge = _active_charge(app, celery_worker, receivable_id)
    assert _puts(psp, charge.txid) == 1
    held = psp.charges[charge.txid]
    assert held["valor"]["original"] == "129.90" and held["status"] == "ATIVA"
    assert len(charge.txid) == 26 and charge.txid.isalnum()

    boleto = client.get(f"{API}/receivables/{receivable_id}/boleto", headers=admin).json
    assert boleto["pix_dynamic"] is True and crc_is_valid(boleto["pix_code"])
    account_info = emv_fields(emv_fields(boleto["pix_code"])["26"])
    assert account_info["25"] == charge.location  # the charge's location, no key, no txid
    assert emv_fields(emv_fields(boleto["pix_code"])["62"]) == {"05": "***"}
    pdf = client.get(f"{API}/receivables/{receivable_id}/boleto.pdf", headers=admin)
    assert read_barcodes(pdf.data, tmp_path).get("QR-Code") == {boleto["pix_code"]}
    mail = client.post(
        f"{API}/email-templates/boleto/preview",
        json={"customer_code": customer_code, "receivable_id": receivable_id},
        headers=admin,
    )
    assert mail.status_code == 200, mail.json
    assert boleto["pix_code"] in mail.json["text_body"]  # the boleto e-mail carries it too
    shown = client.get(f"{API}/receivables/{receivable_id}/pix-charge", headers=admin).json
    assert shown["status"] == "active" and shown["txid"] == charge.txid


def test_a_psp_that_answers_too_late_still_ends_with_one_charge(app, psp, service, celery_worker):
    psp.faults.slow_seconds = 11  # past the client's 10 s: the PSP made it, the worker timed out
    psp.fail_next("PUT /cobv", "timeout")
    receivable_id = build_receivable(app)
    charge = _wait_active(app, celery_worker, receivable_id, timeout=90)
    assert _puts(psp, charge.txid) == 1  # the retry found it (GET) instead of a second PUT
    assert len([t for t in psp.charges if t == charge.txid]) == 1


def _wait_active(app, celery, receivable_id, timeout):
    _plan(celery)
    assert wait_until(lambda: _status(app, receivable_id) == "active", timeout=timeout)
    return charge_of(app, receivable_id)


def test_a_psp_that_is_down_leaves_the_charge_pending_and_the_static_code_until_it_is_back(
    app, client, admin, psp, service, celery_worker
):
    psp.fail_next("PUT /cobv", "503", times=100)
    psp.fail_next("GET /cobv", "503", times=100)
    receivable_id = build_receivable(app)
    _plan(celery_worker)
    assert wait_until(lambda: charge_of(app, receivable_id) is not None, timeout=30)
    boleto = client.get(f"{API}/receivables/{receivable_id}/boleto", headers=admin).json
    assert boleto["pix_dynamic"] is False  # the static code meanwhile (or none without a key)
    assert _status(app, receivable_id) == "pending"
    psp.faults.clear()  # the PSP is back
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=True):
        charge = _wait_active(app, celery_worker, receivable_id, timeout=60)  # beat resends
    assert _puts(psp, charge.txid) == 1


@pytest.mark.slow
def test_a_worker_killed_after_the_psp_made_the_charge_leaves_one_charge(
    app, settings, tmp_path, psp, service, celery_worker
):
    """A real worker process stops before its commit, after the PSP made the charge, and is
    SIGKILLed there: the charge is not recorded; the task again finds it at the PSP."""
    from models.billing import pix_charges

    receivable_id = build_receivable(app)
    with app.app_context():
        (charge_id,) = pix_charges.plan_charges()
        db.session.commit()
    queue, pause, log = "pix-kill", tmp_path / "pause", tmp_path / "worker.log"
    pause.write_text("before_commit")
    worker = _start_crash_worker(settings, queue, pause, log)
    try:
        celery_worker.send_task("tasks.pix.sync_charge", [charge_id], queue=queue)
        paused = wait_until(lambda: pause.read_text().startswith("paused"), timeout=90)
        assert paused, log.read_text()[-3000:]
    finally:
        _kill(worker)
    txid = charge_of(app, receivable_id).txid
    assert psp.charges[txid]["status"] == "ATIVA"  # made at the PSP, never recorded here
    celery_worker.send_task("tasks.pix.sync_charge", [charge_id])  # the redelivery, or beat
    assert wait_until(lambda: _status(app, receivable_id) == "active", timeout=30)
    assert _puts(psp, txid) == 1


def test_a_paid_pix_reaches_the_service_through_mutual_tls_and_settles_once(
    app, psp, service, celery_worker
):
    receivable_id = build_receivable(app, amount="99.90")
    charge = _active_charge(app, celery_worker, receivable_id)
    psp.webhooks.duplicate(5)
    psp.pay(charge.txid)
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
    assert all(status == 200 for _, status, _ in psp.webhooks.delivered)
    assert len(psp.webhooks.delivered) == 5
    assert paid(app, receivable_id) == ("paid", Decimal("99.90"))
    assert wait_until(lambda: _status(app, receivable_id) == "concluded", timeout=10)


def test_a_lost_webhook_is_settled_by_the_next_reconciliation(app, psp, service, celery_worker):
    receivable_id = build_receivable(app, amount="80.00")
    charge = _active_charge(app, celery_worker, receivable_id)
    psp.webhooks.drop(1)
    psp.pay(charge.txid)
    assert len(psp.webhooks.lost) == 1 and paid(app, receivable_id)[0] == "open"
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=True):
        celery_worker.send_task("tasks.pix.reconcile")  # what beat sends every few minutes
        assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
    assert _sources(app) == [("reconciliation", "applied")]
    celery_worker.send_task("tasks.pix.reconcile")  # again: the same PIX is not applied twice
    assert paid(app, receivable_id) == ("paid", Decimal("80.00"))


def _sources(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(text("SELECT source, status FROM pix_received ORDER BY id"))
        return [tuple(row) for row in rows]


def test_the_first_reconciliation_after_an_outage_catches_up(app, psp, service, celery_worker):
    receivables = [build_receivable(app, amount="10.00") for _ in range(3)]
    charges = [_active_charge(app, celery_worker, r) for r in receivables]
    psp.webhooks.drop(3)
    for charge in charges:
        psp.pay(charge.txid)
    psp.fail_next("GET /pix", "503", times=1)  # the PSP is down for the first run
    later = utcnow() + timedelta(days=3)  # three days without a reconciliation
    with time_machine.travel(later, tick=True):
        celery_worker.send_task("tasks.pix.reconcile")
        celery_worker.send_task("tasks.pix.reconcile")
        assert wait_until(lambda: all(paid(app, r)[0] == "paid" for r in receivables), timeout=60)
    assert [status for _, status in _sources(app)] == ["applied"] * 3


def test_a_partial_pix_changes_the_charge_to_the_balance_at_the_psp(
    app, psp, service, celery_worker
):
    receivable_id = build_receivable(app, amount="100.00")
    charge = _active_charge(app, celery_worker, receivable_id)
    psp.pay(charge.txid, amount="30.00")
    assert wait_until(lambda: paid(app, receivable_id)[0] == "partially_paid", timeout=30)
    assert wait_until(lambda: psp.charges[charge.txid]["valor"]["original"] == "70.00", timeout=30)
    assert wait_until(lambda: _status(app, receivable_id) == "active", timeout=10)
    assert psp.charges[charge.txid]["revisao"] == 1


def test_a_cancelled_receivable_removes_its_charge_at_the_psp(
    app, client, admin, psp, service, celery_worker
):
    receivable_id = build_receivable(app)
    charge = _active_charge(app, celery_worker, receivable_id)
    cancelled = client.post(
        f"{API}/receivables/{receivable_id}/cancel", json={"reason": "Erro"}, headers=admin
    )
    assert cancelled.status_code == 200, cancelled.json
    _plan(celery_worker)
    assert wait_until(lambda: _status(app, receivable_id) == "removed", timeout=30)
    assert psp.charges[charge.txid]["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"


def test_a_refund_reopens_the_receivable_and_a_new_charge_is_made(app, psp, service, celery_worker):
    receivable_id = build_receivable(app, amount="99.90")
    charge = _active_charge(app, celery_worker, receivable_id)
    payment = psp.pay(charge.txid)
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
    psp.refund(payment["endToEndId"], "99.90")
    assert wait_until(lambda: paid(app, receivable_id)[0] == "open", timeout=30)
    _plan(celery_worker)
    assert wait_until(
        lambda: (
            (charge_of(app, receivable_id).generation, _status(app, receivable_id)) == (2, "active")
        ),
        timeout=30,
    )
    assert charge_of(app, receivable_id).txid != charge.txid


def test_a_paid_pix_restores_a_suspended_customer_on_radius(
    app, client, admin, psp, service, celery_worker
):
    _, subscription_id, receivable_id = debtor(app, client, admin, logins=("devedor-psp",))
    assert sweep(app)["suspended"] == 1
    suspended_group = group_of(app, "devedor-psp")
    charge = _active_charge(app, celery_worker, receivable_id)
    psp.pay(charge.txid)
    assert wait_until(
        lambda: subscription(client, admin, subscription_id)["status"] == "active", timeout=30
    )
    assert group_of(app, "devedor-psp") != suspended_group


def test_the_psp_connections_secrets_are_write_only(app, client, admin, headers_for, psp, service):
    account_id, _ = service
    shown = client.get(f"{API}/billing-accounts/{account_id}/psp", headers=admin).json
    assert shown["has_client_secret"] is True and shown["has_certificate"] is True
    assert "client_secret" not in shown and "certificate_pem" not in shown
    assert psp.client_secret not in str(shown) and "PRIVATE KEY" not in str(shown)
    with app.app_context():
        stored = db.session.execute(
            text("SELECT client_secret_encrypted, certificate_encrypted FROM psp_connections")
        ).one()
        history = " ".join(
            str(changes) for changes in db.session.scalars(text("SELECT changes FROM history"))
        )
    assert psp.client_secret not in "".join(stored) and "PRIVATE KEY" not in "".join(stored)
    assert psp.client_secret not in history and "PRIVATE KEY" not in history
    finance = client.get(f"{API}/billing-accounts/{account_id}/psp", headers=headers_for("finance"))
    assert finance.status_code == 200
    for role in ("finance", "attendant", "technician"):
        changed = client.put(
            f"{API}/billing-accounts/{account_id}/psp",
            json={"base_url": "https://x.example/v2"},
            headers=headers_for(role),
        )
        assert changed.status_code == 403


@pytest.mark.slow
def test_two_beats_and_two_workers_make_each_charge_once_and_settle_lost_webhooks(
    app, settings, psp, service, fleet_of
):
    fleet = fleet_of(
        PIX_CHARGES_SWEEP_SECONDS="1",
        PIX_RECONCILE_SECONDS="2",
        CARD_ENCRYPTION_KEYS=",".join(settings.card_keys),  # the secrets the test app stored
    )
    receivables = [build_receivable(app, amount="25.00") for _ in range(6)]
    fleet.beat(), fleet.beat(), fleet.worker("pix-a"), fleet.worker("pix-b")
    everything_active = wait_until(
        lambda: all(_status(app, r) == "active" for r in receivables), timeout=120
    )
    assert everything_active, fleet.tail()
    charges = [charge_of(app, r) for r in receivables]
    assert [_puts(psp, c.txid) for c in charges] == [1] * 6
    psp.webhooks.drop(6)  # every webhook lost: only reconciliation can settle them
    for charge in charges:
        psp.pay(charge.txid)
    everything_paid = wait_until(
        lambda: all(paid(app, r)[0] == "paid" for r in receivables), timeout=120
    )
    assert everything_paid, fleet.tail()
    assert _sources(app) == [("reconciliation", "applied")] * 6
    assert [paid(app, r)[1] for r in receivables] == [Decimal("25.00")] * 6


def _refunds(client, headers, received_id: int) -> list[dict]:
    listed = client.get(f"{API}/pix/received?per_page=100", headers=headers).json["items"]
    return next(item["refunds"] for item in listed if item["id"] == received_id)


def test_finance_gives_back_a_pix_paid_for_a_receivable_already_paid(
    app, client, admin, headers_for, psp, service, celery_worker
):
    finance = headers_for("finance")
    receivable_id = build_receivable(app, amount="50.00")
    charge = _active_charge(app, celery_worker, receivable_id)
    typed = client.post(
        f"{API}/receivables/{receivable_id}/payments",
        json={"paid_on": str(_today(app)), "amount": "50.00"},
        headers=finance,
    )
    assert typed.status_code == 200, typed.json
    payment = psp.pay(charge.txid)  # the customer paid the PIX too
    assert wait_until(lambda: _sources(app) == [("webhook", "not_owed")], timeout=30)
    (received,) = client.get(f"{API}/pix/received?status=not_owed", headers=finance).json["items"]
    url = f"{API}/pix/received/{received['id']}/refunds"

    assert client.post(url, json={"amount": "50.01"}, headers=finance).status_code == 422
    assert client.post(url, json={"amount": "0.00"}, headers=finance).status_code == 422
    assert (
        client.post(url, json={"amount": "50.00"}, headers=headers_for("attendant")).status_code
        == 403
    )
    asked = client.post(url, json={"amount": "50.00"}, headers=finance)
    assert asked.status_code == 202 and asked.json["status"] == "requested", asked.json
    assert asked.json["requested_by"] is not None
    assert (
        client.post(url, json={"amount": "0.01"}, headers=finance).status_code == 422
    )  # all of it
    assert wait_until(
        lambda: _refunds(client, finance, received["id"])[0]["status"] == "EM_PROCESSAMENTO",
        timeout=30,
    )
    psp.settle_refund(payment["endToEndId"], asked.json["refund_id"])
    assert wait_until(
        lambda: _refunds(client, finance, received["id"])[0]["status"] == "DEVOLVIDO",
        timeout=30,
    )
    assert paid(app, receivable_id) == ("paid", Decimal("50.00"))  # the typed payment stands


def _today(app):
    from models.clock import local_today

    with app.app_context():
        return local_today()
