"""The PIX webhooks' inbox (Redis): a delivery is handed over at once; a drain stores and applies
it once, even when it dies before or after its commit, and takes it off only once stored.

Runs on both backends: with SQLite the suite's broker is not Redis, so the inbox gets a Redis
database of its own here (the service uses the inbox only when its broker is Redis)."""

import os
import zlib

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
def inbox(settings, override_settings, monkeypatch):
    url = settings.broker_url if settings.broker_url.startswith("redis") else OWN_INBOX
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    _empty(client)
    override_settings(PixSettings, inbox_url=url)
    # No drain's message: the suite's worker, if running, must not drain what a test is
    # draining step by step. What would have been sent is kept here.
    client.drains_asked = []
    monkeypatch.setattr(pix_inbox, "send_now", lambda *task: client.drains_asked.append(task))
    yield client
    _empty(client)


def _empty(client) -> None:
    for shard in range(pix_inbox.SHARDS):
        client.delete(pix_inbox.INBOX.format(shard=shard), pix_inbox.LOCK.format(shard=shard))


def _waiting(client) -> int:
    return sum(client.llen(pix_inbox.INBOX.format(shard=s)) for s in range(pix_inbox.SHARDS))


def _shard_of(items) -> int:
    return zlib.crc32(items[0]["endToEndId"].encode()) % pix_inbox.SHARDS


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
    items = [pix(txid, "70.00")]
    _deliver(app, account_id, items)
    shard = _shard_of(items)
    assert inbox.drains_asked == [(pix_inbox.DRAIN_TASK, shard)]  # the list was empty
    with app.app_context():
        token = pix_inbox.take_lock(shard)
        assert pix_inbox.take_lock(shard) is None  # one drain per list at a time
        assert pix_inbox.drain_batch(shard) == 1
        db.session.rollback()  # the worker died: nothing stored, nothing taken off
        pix_inbox.release_lock(shard, token)
    assert _waiting(inbox) == 1 and _rows(app) == []
    _drain(app)
    assert _waiting(inbox) == 0
    assert _rows(app) == [("applied",)] and paid(app, receivable_id)[0] == "paid"


def test_a_drain_that_dies_after_its_commit_stores_nothing_twice(app, inbox):
    account_id, _ = connect_default_account(app)
    receivable_id, txid = _charged(app)
    items = [pix(txid, "30.00")]  # partial: a second payment would show
    _deliver(app, account_id, items)
    shard = _shard_of(items)
    with app.app_context():
        token = pix_inbox.take_lock(shard)
        pix_inbox.drain_batch(shard)
        db.session.info.pop("effects_on_commit")  # died right after the commit: not taken off
        db.session.commit()
        pix_inbox.release_lock(shard, token)
    assert _waiting(inbox) == 1
    _drain(app)
    assert _waiting(inbox) == 0 and _rows(app) == [("applied",)]
    status, amount = paid(app, receivable_id)
    assert (status, str(amount)) == ("partially_paid", "30.00")


def _drain(app) -> None:
    from tasks.billing import drain_pix_inbox

    for shard in range(pix_inbox.SHARDS):
        assert drain_pix_inbox.apply([shard]).successful()


def test_without_redis_the_caller_stores_the_delivery(app, override_settings):
    override_settings(PixSettings, inbox_url=None)
    with app.app_context():
        assert pix_inbox.deliver(1, []) is False
