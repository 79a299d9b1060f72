"""The PIX webhooks' inbox (Redis): a delivery is handed over at once; a drain stores and applies
it once, even when it dies before or after its commit, and takes it off only once stored.

Runs on both backends: with SQLite the suite's broker is not Redis, so the inbox gets a Redis
database of its own here (the service uses the inbox only when its broker is Redis)."""

import os

import pytest
import redis
from sqlalchemy import text

from models.billing import pix_inbox, pix_payments
from models.billing.settings import PixSettings
from models.db import db
from tests.builders import build_receivable
from tests.web.billing.pix_helpers import (
    charge_of,
    connect_default_account,
    paid,
    pix,
    plan_charges,
)

OWN_INBOX = "redis://127.0.0.1:6379/14"


@pytest.fixture
def inbox(settings, override_settings):
    url = settings.broker_url if settings.broker_url.startswith("redis") else OWN_INBOX
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.delete(pix_inbox.INBOX, pix_inbox.LOCK)
    override_settings(PixSettings, inbox_url=url)
    yield client
    client.delete(pix_inbox.INBOX, pix_inbox.LOCK)


def _charged(app) -> tuple[int, str]:
    receivable_id = build_receivable(app, amount="70.00")
    plan_charges(app)
    return receivable_id, charge_of(app, receivable_id).txid


def _deliver(app, account_id, items) -> None:
    with app.app_context():
        assert pix_inbox.deliver(account_id, pix_payments.parse_pix(items)) is True


def _rows(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(text("SELECT status FROM pix_received"))]


def test_a_drain_that_dies_before_its_commit_leaves_the_delivery_for_the_next(app, inbox):
    account_id, _ = connect_default_account(app)
    receivable_id, txid = _charged(app)
    _deliver(app, account_id, [pix(txid, "70.00")])
    with app.app_context():
        token = pix_inbox.take_lock()
        assert pix_inbox.take_lock() is None  # one drain at a time
        assert pix_inbox.drain_batch(token) == 1
        db.session.rollback()  # the worker died: nothing stored, nothing taken off
        pix_inbox.release_lock(token)
    assert inbox.llen(pix_inbox.INBOX) == 1 and _rows(app) == []
    _drain(app)
    assert inbox.llen(pix_inbox.INBOX) == 0
    assert _rows(app) == [("applied",)] and paid(app, receivable_id)[0] == "paid"


def test_a_drain_that_dies_after_its_commit_stores_nothing_twice(app, inbox):
    account_id, _ = connect_default_account(app)
    receivable_id, txid = _charged(app)
    _deliver(app, account_id, [pix(txid, "30.00")])  # partial: a second payment would show
    with app.app_context():
        token = pix_inbox.take_lock()
        pix_inbox.drain_batch(token)
        db.session.info.pop("effects_on_commit")  # died right after the commit: not taken off
        db.session.commit()
        pix_inbox.release_lock(token)
    assert inbox.llen(pix_inbox.INBOX) == 1
    _drain(app)
    assert inbox.llen(pix_inbox.INBOX) == 0 and _rows(app) == [("applied",)]
    status, amount = paid(app, receivable_id)
    assert (status, str(amount)) == ("partially_paid", "30.00")


def _drain(app) -> None:
    from tasks.billing import drain_pix_inbox

    assert drain_pix_inbox.apply().successful()


def test_without_redis_the_caller_stores_the_delivery(app, override_settings):
    override_settings(PixSettings, inbox_url=None)
    with app.app_context():
        assert pix_inbox.deliver(1, []) is False
