"""PIX rules that need no PSP: which charge a PIX concludes, when a new charge is made, how much
a refund takes back, and how reconciliation reads a PSP's pages (a fake PSP client here; the
real one against the stand-in is in tests/tasks/billing/test_pix_psp.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from models.audit import set_actor
from models.billing import pix_payments, pix_reconciliation
from models.billing.psp_client import PspUnavailable
from models.billing.receivables import Receivable, settle
from models.clock import local_today, utcnow
from models.db import db
from tests.builders import BUILDER, build_receivable
from tests.web.billing.pix_helpers import (
    charge_of,
    connect_default_account,
    pix,
    plan_charges,
)


def _apply(app, account_id: int, items: list[dict]) -> dict:
    with app.app_context():
        set_actor(db.session, BUILDER)
        parsed = pix_payments.parse_pix(items)
        ids = pix_payments.record_received(account_id, parsed, pix_payments.WEBHOOK)
        counts = pix_payments.apply_received(ids)
        db.session.commit()
        return counts


def _charges(app, receivable_id: int) -> list[tuple]:
    with app.app_context():
        query = text(
            "SELECT generation, status FROM pix_charges WHERE receivable_id = :r ORDER BY 1"
        )
        return [tuple(row) for row in db.session.execute(query, {"r": receivable_id})]


def _set_status(app, receivable_id: int, generation: int, status: str) -> None:
    with app.app_context():
        db.session.execute(
            text("UPDATE pix_charges SET status = :s WHERE receivable_id = :r AND generation = :g"),
            {"s": status, "r": receivable_id, "g": generation},
        )
        db.session.commit()


def test_a_charge_paid_at_the_psp_but_not_yet_credited_gets_no_second_charge(app):
    account_id, _ = connect_default_account(app)
    receivable_id = build_receivable(app, amount="40.00")
    plan_charges(app)
    _set_status(app, receivable_id, 1, "concluded")  # a sync saw CONCLUIDA: the PIX is coming
    plan_charges(app)
    assert _charges(app, receivable_id) == [(1, "concluded")]
    txid = charge_of(app, receivable_id).txid
    assert _apply(app, account_id, [pix(txid, "40.00")])["applied"] == 1
    plan_charges(app)
    assert _charges(app, receivable_id) == [(1, "concluded")]  # paid: nothing more to charge


def test_a_pix_on_an_old_generation_concludes_it_and_removes_the_live_one(app):
    account_id, _ = connect_default_account(app)
    receivable_id = build_receivable(app, amount="40.00")
    plan_charges(app)
    old_txid = charge_of(app, receivable_id).txid
    _set_status(app, receivable_id, 1, "removed")  # removed, yet the customer paid a copy
    plan_charges(app)
    _set_status(app, receivable_id, 2, "active")
    assert _apply(app, account_id, [pix(old_txid, "40.00")])["applied"] == 1
    assert _charges(app, receivable_id) == [(1, "removed"), (2, "removing")]


def test_a_refund_larger_than_its_pix_takes_back_no_other_payment(app):
    account_id, _ = connect_default_account(app)
    receivable_id = build_receivable(app, amount="100.00")
    plan_charges(app)
    with app.app_context():
        set_actor(db.session, BUILDER)
        settle(receivable_id, local_today(), Decimal("50.00"))  # 50 in cash
        db.session.commit()
    txid = charge_of(app, receivable_id).txid
    payment = pix(txid, "50.00")
    _apply(app, account_id, [payment])
    refund = {"id": "D1", "valor": "100.00", "status": "DEVOLVIDO"}
    _apply(app, account_id, [{**payment, "devolucoes": [refund]}])
    more = {"id": "D2", "valor": "10.00", "status": "DEVOLVIDO"}
    _apply(app, account_id, [{**payment, "devolucoes": [refund, more]}])
    with app.app_context():
        receivable = db.session.get(Receivable, receivable_id)
        assert (receivable.status, receivable.paid_amount) == ("partially_paid", Decimal("50.00"))


class FakePsp:
    """`GET /pix` pages as a PSP might answer them, and the windows asked."""

    def __init__(self, pages):
        self.pages, self.asked = pages, []

    def __call__(self, _config):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        return False

    def list_pix(self, inicio, fim, page=0, per_page=100):
        self.asked.append((inicio, fim, page))
        return self.pages(inicio, fim, page)


def _reconcile(app, monkeypatch, fake) -> bool:
    monkeypatch.setattr(pix_reconciliation, "PixApi", fake)
    with app.app_context():
        (connection_id,) = pix_reconciliation.connections_to_reconcile()
        try:
            return pix_reconciliation.reconcile_window(connection_id)
        finally:
            db.session.commit()


def _until(app):
    from models.billing.psp_connections import PspConnection

    with app.app_context():
        return db.session.scalar(db.select(PspConnection.reconciled_until))


def test_reconciliation_leaves_out_a_pix_it_cannot_read_and_goes_on(app, monkeypatch):
    connect_default_account(app)
    receivable_id = build_receivable(app, amount="12.00")
    plan_charges(app)
    good = pix(charge_of(app, receivable_id).txid, "12.00")
    bad = {"endToEndId": "E!", "valor": "x"}
    fake = FakePsp(lambda *_: {"parametros": {"paginacao": {"quantidadeDePaginas": 1}},
                               "pix": [bad, good]})  # fmt: skip
    _reconcile(app, monkeypatch, fake)
    with app.app_context():
        stored = db.session.scalar(text("SELECT count(*) FROM pix_received"))
    assert stored == 1 and _until(app) is not None


@pytest.mark.parametrize("count", ["3", -1, None, True, 10**7])
def test_a_page_count_that_is_not_one_keeps_the_window_open(app, monkeypatch, count):
    connect_default_account(app)
    fake = FakePsp(lambda *_: {"parametros": {"paginacao": {"quantidadeDePaginas": count}},
                               "pix": []})  # fmt: skip
    with pytest.raises(PspUnavailable):
        _reconcile(app, monkeypatch, fake)
    assert _until(app) is None  # asked again next time


def test_a_window_too_full_to_page_through_is_asked_again_in_halves(app, monkeypatch):
    connect_default_account(app)
    full = pix_reconciliation.MAX_PAGES + 1

    def pages(inicio, fim, page):
        crowded = fim - inicio > timedelta(hours=6)
        count = full if crowded else 1
        return {"parametros": {"paginacao": {"quantidadeDePaginas": count}}, "pix": []}

    fake = FakePsp(pages)
    assert _reconcile(app, monkeypatch, fake) is True  # more windows left to catch up
    spans = [fim - inicio for inicio, fim, page in fake.asked if page == 0]
    assert spans[0] > spans[-1] and spans[-1] <= timedelta(hours=6)
    assert len(fake.asked) == len(spans)  # one page each: nothing beyond MAX_PAGES asked
    assert _until(app) < utcnow()
