"""The PIX webhooks' inbox (Redis): a delivery is handed over at once; a drain stores and applies
it once, even when it dies before or after its commit, and takes it off only once stored.

Runs on both backends: with SQLite the suite's broker is not Redis, so the inbox gets a Redis
database of its own here (the service uses the inbox only when its broker is Redis)."""

import zlib

from sqlalchemy import text

from models.billing import pix_inbox, pix_payments
from models.billing.settings import PixSettings
from models.db import db
from tests.builders import build_receivable
from tests.web.billing.pix_helpers import (
    charge_of,
    connect_default_account,
    drain,
    paid,
    pix,
    plan_charges,
)


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
    drain(app)
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
    drain(app)
    assert _waiting(inbox) == 0 and _rows(app) == [("applied",)]
    status, amount = paid(app, receivable_id)
    assert (status, str(amount)) == ("partially_paid", "30.00")


def test_without_redis_the_caller_stores_the_delivery(app, override_settings):
    override_settings(PixSettings, inbox_url=None)
    with app.app_context():
        assert pix_inbox.deliver(1, []) is False
