"""Pix Automático's rules, with the clock moved: each bill's cobr inside its window exactly
once and never outside it, a killed or duplicated send finds its cobr, outcomes by webhook
(approval, rejection, CONCLUIDA settling once, a failed debit falling back to a cobv), and the
authorization cancelled with its subscription. The PSP is a small fake (pix_automatic_support);
the stand-in PSP's end-to-end tests are in tests/web/billing/test_pix_automatic_api.py."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.audit import HistoryEntry, set_actor
from models.billing import pix_automatic, pix_charges, pix_payments, pix_recurring_charges
from models.billing.pix_automatic import PixRecurrence
from models.billing.pix_charges import PixCharge
from models.billing.pix_recurring_charges import PixRecurringCharge
from models.db import db
from models.errors import Conflict
from tests.builders import build_customer, build_receivable, build_subscription
from tests.models.billing.pix_automatic_support import (
    SYSTEM,
    FakePsp,
    WorkerKilled,
    connect_psp,
    on_day,
    paid_amount,
)
from tests.outbox import recorded_effects

DUE = date(2027, 3, 20)  # a Saturday far from today's date
PAID = Decimal("99.90")


def step(app, operation, *args, **kwargs):
    """Run an operation as a task does: one transaction, committed, rolled back if it raises;
    what it returned (a row's key for a row)."""
    with app.app_context():
        set_actor(db.session, SYSTEM)
        try:
            result = operation(*args, **kwargs)
            db.session.commit()
            return result.id if isinstance(result, db.Model) else result  # its key
        except BaseException:
            db.session.rollback()
            raise


def rows(app, model, **where):
    with app.app_context():
        query = db.select(model).filter_by(**where).order_by(model.id)
        return [db.session.merge(row) for row in db.session.scalars(query)]


@pytest.fixture
def psp():
    return FakePsp()


@pytest.fixture
def approved(app, psp):
    """A subscription with an approved recurrence and a bill due on DUE (made 20 days before)."""
    with on_day(DUE - timedelta(days=20)), recorded_effects():
        account_id = connect_psp(app)
        customer = build_customer(app)
        subscription_id = build_subscription(app, customer)
        recurrence_id = step(app, pix_automatic.request_recurrence, subscription_id, 2)
        step(app, pix_automatic.create_recurrence, recurrence_id, api_for=psp.api_for)
        id_rec = rows(app, PixRecurrence)[0].id_rec
        step(app, pix_automatic.receive_recs, account_id, [psp.approve(id_rec)])
        receivable_id = build_receivable(
            app, customer, due_date=DUE, subscription_id=subscription_id
        )
    return {
        "account_id": account_id,
        "subscription_id": subscription_id,
        "recurrence_id": recurrence_id,
        "id_rec": id_rec,
        "receivable_id": receivable_id,
    }


def sweep_and_send(app, psp, day: date) -> list[int]:
    """Beat's sweep on `day`, then the worker sends what it queued."""
    with on_day(day), recorded_effects():
        ids = step(app, pix_recurring_charges.plan_recurring)
        for charge_id in ids:
            step(app, pix_recurring_charges.sync_recurring_charge, charge_id, api_for=psp.api_for)
    return ids


@pytest.mark.one_backend
@pytest.mark.parametrize(
    ("today", "inside"),
    [
        (date(2027, 3, 9), False),  # 11 days before
        (date(2027, 3, 10), True),  # 10
        (date(2027, 3, 15), True),
        (date(2027, 3, 18), True),  # 2
        (date(2027, 3, 19), False),  # 1
        (date(2027, 3, 20), False),  # the due date
        (date(2027, 3, 21), False),
        (date(2027, 2, 28), False),  # across a month's end: 20 days
        (date(2027, 3, 1), False),  # 19
    ],
)
def test_the_window_is_10_to_2_days_before_the_due_date_both_included(today, inside):
    assert pix_recurring_charges.in_window(DUE, today) is inside
    assert pix_recurring_charges.in_window(date(2028, 3, 1), date(2028, 2, 20)) is True  # leap


def test_the_recurrence_is_created_at_the_psp_with_its_qr_code(app, psp, approved):
    recurrence = rows(app, PixRecurrence)[0]
    assert recurrence.status == pix_automatic.APPROVED
    assert recurrence.id_rec.startswith("RN") and len(recurrence.id_rec) == 29
    assert "80" in recurrence.pix_code and recurrence.location in recurrence.pix_code
    body = psp.recs[recurrence.id_rec]["body"]
    assert body["calendario"]["periodicidade"] == "MENSAL"
    assert body["vinculo"]["contrato"] == f"ASSINATURA{approved['subscription_id']}"
    assert "ativacao" not in body  # journey 2: the QR code alone


@pytest.mark.parametrize("days_before", [11, 1])
def test_no_cobr_is_ever_sent_outside_the_window(app, psp, approved, days_before):
    sent = sweep_and_send(app, psp, DUE - timedelta(days=days_before))
    assert sent == [] and rows(app, PixRecurringCharge) == []
    assert psp.cobrs == {} and psp.window_violations == 0


@pytest.mark.parametrize("days_before", [10, 2])
def test_inside_the_window_one_cobr_per_bill_whatever_the_beats(app, psp, approved, days_before):
    day = DUE - timedelta(days=days_before)
    sweep_and_send(app, psp, day)
    sweep_and_send(app, psp, day)  # a second beat
    with on_day(day):
        charge = rows(app, PixRecurringCharge)[0]
        step(app, pix_recurring_charges.sync_recurring_charge, charge.id, api_for=psp.api_for)
    charges = rows(app, PixRecurringCharge)
    assert len(charges) == 1 and charges[0].status == pix_recurring_charges.ACTIVE
    assert charges[0].txid == pix_recurring_charges.txid_for(approved["receivable_id"])
    assert len(charges[0].txid) == 26 and charges[0].txid.isalnum()
    assert psp.puts(charges[0].txid) == 1 and psp.window_violations == 0
    body = psp.cobrs[charges[0].txid]
    assert body["idRec"] == approved["id_rec"] and body["valor"] == {"original": "99.90"}
    assert body["calendario"] == {"dataDeVencimento": DUE.isoformat()}


def test_a_worker_killed_after_the_put_finds_its_cobr(app, psp, approved):
    day = DUE - timedelta(days=5)
    with on_day(day), recorded_effects():
        (charge_id,) = step(app, pix_recurring_charges.plan_recurring)
        psp.crash_after_put = True
        with pytest.raises(WorkerKilled):
            step(app, pix_recurring_charges.sync_recurring_charge, charge_id, api_for=psp.api_for)
        assert rows(app, PixRecurringCharge)[0].status == pix_recurring_charges.PENDING
        status = step(
            app, pix_recurring_charges.sync_recurring_charge, charge_id, api_for=psp.api_for
        )
    assert status == pix_recurring_charges.ACTIVE
    assert psp.puts(pix_recurring_charges.txid_for(approved["receivable_id"])) == 1


def plan_and_queue() -> list[int]:
    """What beat's task does for the cobrs: plan, and queue their syncs after the commit."""
    pix_automatic.begin_sweep()
    ids = pix_recurring_charges.plan_recurring()
    pix_recurring_charges.queue_sync(ids)
    return ids


def test_a_lost_message_is_sent_again_by_the_next_sweep_and_only_once(app, psp, approved):
    day = DUE - timedelta(days=6)
    with on_day(day, hour=9), recorded_effects() as sent:
        (charge_id,) = step(app, plan_and_queue)  # its message is lost
    assert sent == [(pix_recurring_charges.SYNC_TASK, (charge_id,), {})]
    with on_day(day, hour=9), recorded_effects():
        assert step(app, pix_recurring_charges.plan_recurring) == []  # not yet stale
    assert sweep_and_send(app, psp, day + timedelta(days=1)) == [charge_id]
    assert sweep_and_send(app, psp, day + timedelta(days=2)) == []
    assert psp.puts(pix_recurring_charges.txid_for(approved["receivable_id"])) == 1


def test_a_cobr_whose_window_passed_before_it_was_sent_is_never_sent(app, psp, approved):
    with on_day(DUE - timedelta(days=2)), recorded_effects():
        (charge_id,) = step(app, pix_recurring_charges.plan_recurring)
    with on_day(DUE - timedelta(days=1)), recorded_effects():
        status = step(
            app, pix_recurring_charges.sync_recurring_charge, charge_id, api_for=psp.api_for
        )
        assert status == pix_recurring_charges.FAILED and psp.cobrs == {}
        step(app, pix_charges.plan_charges)  # it falls back: a cobv
    assert [c.receivable_id for c in rows(app, PixCharge)] == [approved["receivable_id"]]


def test_a_bill_waiting_for_its_window_gets_no_cobv_one_too_late_does(app, psp, approved):
    subscription_id = approved["subscription_id"]
    customer = rows(app, PixRecurrence)[0].customer_code
    with on_day(DUE - timedelta(days=12)), recorded_effects():
        step(app, pix_charges.plan_charges)
        assert rows(app, PixCharge) == []  # the cobr will pay it
        late = build_receivable(
            app, customer, due_date=DUE - timedelta(days=11), subscription_id=subscription_id
        )
        step(app, pix_charges.plan_charges)
        assert sweep_and_send(app, psp, DUE - timedelta(days=12)) == []
    assert [c.receivable_id for c in rows(app, PixCharge)] == [late]


def test_approval_and_rejection_by_webhook_and_a_late_delivery_changes_nothing(app, psp):
    with recorded_effects():
        account_id = connect_psp(app)
        first, second = build_subscription(app), build_subscription(app)
        ids = []
        for subscription_id in (first, second):
            recurrence_id = step(app, pix_automatic.request_recurrence, subscription_id, 2)
            step(app, pix_automatic.create_recurrence, recurrence_id, api_for=psp.api_for)
            ids.append(rows(app, PixRecurrence, id=recurrence_id)[0].id_rec)
        step(
            app,
            pix_automatic.receive_recs,
            account_id,
            [{"idRec": ids[0], "status": "APROVADA"}, {"idRec": ids[1], "status": "REJEITADA"}],
        )
        # A late CRIADA, and an APROVADA for the rejected one, move nothing back.
        late = [{"idRec": ids[0], "status": "CRIADA"}, {"idRec": ids[1], "status": "APROVADA"}]
        step(app, pix_automatic.receive_recs, account_id, late)
    statuses = [r.status for r in rows(app, PixRecurrence)]
    assert statuses == [pix_automatic.APPROVED, pix_automatic.REJECTED]
    with recorded_effects():  # rejected: a new one may be asked for; approved: 409
        step(app, pix_automatic.request_recurrence, second, 2)
        with pytest.raises(Conflict):
            step(app, pix_automatic.request_recurrence, first, 2)


def _conclude(app, psp, approved, times: int) -> str:
    sweep_and_send(app, psp, DUE - timedelta(days=3))
    txid = pix_recurring_charges.txid_for(approved["receivable_id"])
    notice = {
        "idRec": approved["id_rec"],
        "txid": txid,
        "status": "CONCLUIDA",
        "atualizacao": [{"status": "CONCLUIDA", "data": "2027-03-20T10:00:00Z"}],
        "tentativas": [
            {
                "dataLiquidacao": DUE.isoformat(),
                "tipo": "AGND",
                "status": "PAGA",
                "endToEndId": "E12345678202703201000abcdefghijk",
                "atualizacao": [],
            }
        ],
    }
    with on_day(DUE), recorded_effects() as sent:
        for _ in range(times):
            step(app, pix_recurring_charges.receive_cobrs, approved["account_id"], [notice])
        for name, args, _kwargs in sent:
            if name == pix_payments.APPLY_TASK:
                step(app, pix_payments.apply_received, *args)
    return txid


def test_concluida_settles_the_bill_once_even_delivered_three_times(app, psp, approved):
    txid = _conclude(app, psp, approved, times=3)
    assert paid_amount(app, approved["receivable_id"]) == ("paid", PAID)
    received = rows(app, pix_payments.ReceivedPix)
    assert len(received) == 1 and received[0].txid == txid
    assert received[0].status == pix_payments.APPLIED
    assert received[0].receivable_id == approved["receivable_id"]
    charge = rows(app, PixRecurringCharge)[0]
    assert charge.status == pix_recurring_charges.CONCLUDED
    assert charge.end_to_end_id == "E12345678202703201000abcdefghijk"
    # Each step is in the customer's history: made, sent, concluded.
    with app.app_context():
        steps = db.session.execute(
            db.select(HistoryEntry.action, HistoryEntry.changes)
            .where(HistoryEntry.entity == "pix_recurring_charges")
            .order_by(HistoryEntry.id)
        ).all()
    statuses = [
        change["new"]
        for _action, changes in steps
        for change in changes
        if change["field"] == "status"
    ]
    assert steps[0][0] == "create"
    assert statuses == ["pending", "active", "concluded"]


@pytest.mark.parametrize("outcome", ["NAO_REALIZADA", "REJEITADA", "EXPIRADA"])
def test_a_debit_that_did_not_happen_falls_back_to_a_cobv(app, psp, approved, outcome):
    sweep_and_send(app, psp, DUE - timedelta(days=3))
    txid = pix_recurring_charges.txid_for(approved["receivable_id"])
    with on_day(DUE), recorded_effects() as sent:
        assert step(app, pix_charges.plan_charges) == []  # the cobr holds the bill
        failed = {"idRec": approved["id_rec"], "txid": txid, "status": outcome}
        step(app, pix_recurring_charges.receive_cobrs, approved["account_id"], [failed])
        assert (pix_recurring_charges.PLAN_CHARGES_TASK, (), {}) in sent
        step(app, pix_charges.plan_charges)
    charge = rows(app, PixRecurringCharge)[0]
    assert charge.status == pix_recurring_charges.FAILED and outcome in charge.error
    assert [c.receivable_id for c in rows(app, PixCharge)] == [approved["receivable_id"]]
    assert paid_amount(app, approved["receivable_id"]) == ("open", None)
    assert sweep_and_send(app, psp, DUE - timedelta(days=2)) == []  # never a second cobr


def test_a_cancelled_subscription_cancels_its_authorization(app, psp, approved, admin, client):
    answer = client.post(
        f"/api/v1/subscriptions/{approved['subscription_id']}/cancel",
        json={"cancel_reason": "Outros"},
        headers=admin,
    )
    assert answer.status_code == 200, answer.json
    with recorded_effects() as sent:
        result = step(app, pix_automatic.recurrences_to_cancel)
        assert result == [approved["recurrence_id"]]
        step(app, pix_automatic.queue, [], result)
        assert sent == [(pix_automatic.CANCEL_TASK, (approved["recurrence_id"],), {})]
        step(app, pix_automatic.cancel_at_psp, approved["recurrence_id"], api_for=psp.api_for)
        assert step(app, pix_automatic.recurrences_to_cancel) == []
    assert rows(app, PixRecurrence)[0].status == pix_automatic.CANCELLED
    assert psp.recs[approved["id_rec"]]["status"] == "CANCELADA"
    assert psp.calls.count(("PATCH /rec", approved["id_rec"])) == 1


@pytest.mark.parametrize(("paid", "left"), [("99.90", "paid"), ("40.00", "partially_paid")])
def test_a_bill_paid_another_way_has_its_cobr_cancelled(app, psp, approved, paid, left):
    from models.billing.receivables import settle

    sweep_and_send(app, psp, DUE - timedelta(days=4))
    with on_day(DUE - timedelta(days=3)):
        step(app, settle, approved["receivable_id"], DUE - timedelta(days=3), Decimal(paid))
    sweep_and_send(app, psp, DUE - timedelta(days=3))
    charge = rows(app, PixRecurringCharge)[0]
    assert charge.status == pix_recurring_charges.CANCELLED
    assert psp.cobrs[charge.txid]["status"] == "CANCELADA"  # never debited for the old amount
    assert paid_amount(app, approved["receivable_id"])[0] == left
    with on_day(DUE - timedelta(days=3)), recorded_effects():
        step(app, pix_charges.plan_charges)
    cobvs = [(c.receivable_id, str(c.amount)) for c in rows(app, PixCharge)]
    assert cobvs == ([] if left == "paid" else [(approved["receivable_id"], "59.90")])


def test_journey_3_charges_the_oldest_bill_at_once_and_its_pix_settles_it(app, psp):
    with on_day(DUE - timedelta(days=20)), recorded_effects() as sent:
        account_id = connect_psp(app)
        customer = build_customer(app)
        subscription_id = build_subscription(app, customer)
        bill = build_receivable(app, customer, due_date=DUE, subscription_id=subscription_id)
        recurrence_id = step(app, pix_automatic.request_recurrence, subscription_id, 3)
        step(app, pix_automatic.create_recurrence, recurrence_id, api_for=psp.api_for)
        recurrence = rows(app, PixRecurrence)[0]
        assert psp.recs[recurrence.id_rec]["body"]["ativacao"] == {
            "dadosJornada": {"txid": recurrence.first_txid}
        }
        assert psp.cobs[recurrence.first_txid]["valor"] == {"original": "99.90"}
        pix = {
            "endToEndId": "E12345678202703011000abcdefghijk",
            "txid": recurrence.first_txid,
            "valor": "99.90",
            "horario": "2027-03-01T13:00:00Z",
        }
        ids = step(
            app,
            pix_payments.record_received,
            account_id,
            pix_payments.parse_pix([pix]),
            pix_payments.WEBHOOK,
        )
        step(app, pix_payments.apply_received, ids)
    assert paid_amount(app, bill) == ("paid", PAID)
    assert sent[0][0] == pix_automatic.CREATE_TASK


def test_two_beats_at_the_same_moment_make_one_cobr(app, psp, approved):
    barrier, outcomes = threading.Barrier(2), []

    def beat():
        barrier.wait()
        try:
            outcomes.append(step(app, plan_and_queue))
        except Exception as error:
            outcomes.append(error)

    with on_day(DUE - timedelta(days=8)), recorded_effects():
        beats = [threading.Thread(target=beat) for _ in range(2)]
        for thread in beats:
            thread.start()
        for thread in beats:
            thread.join(timeout=60)
    assert sorted(map(len, outcomes)) == [0, 1], outcomes  # one made it, the other saw it made
    assert len(rows(app, PixRecurringCharge)) == 1


def test_journey_3_never_sends_a_cobr_for_the_bill_its_immediate_charge_pays(app, psp):
    with on_day(DUE - timedelta(days=20)), recorded_effects():
        account_id = connect_psp(app)
        customer = build_customer(app)
        subscription_id = build_subscription(app, customer)
        build_receivable(app, customer, due_date=DUE, subscription_id=subscription_id)
        recurrence_id = step(app, pix_automatic.request_recurrence, subscription_id, 3)
        step(app, pix_automatic.create_recurrence, recurrence_id, api_for=psp.api_for)
        id_rec = rows(app, PixRecurrence)[0].id_rec
        step(app, pix_automatic.receive_recs, account_id, [psp.approve(id_rec)])
    assert sweep_and_send(app, psp, DUE - timedelta(days=5)) == []  # the PIX is on its way
    assert psp.cobrs == {}
