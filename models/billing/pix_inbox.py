"""The PIX webhooks' inbox: what the PSPs post, handed over at once, stored and applied in batches.

A webhook must be answered fast, and a burst of them must not queue behind the database's
commits. With Redis (the deployed broker), the route checks the delivery and pushes it to a
Redis list (`deliver`): one round trip, no database. A worker then drains the list (`drain`),
a batch per transaction: each PIX stored once by its endToEndId and applied, and only after the
commit are the batch's entries taken off the list. So:
- a worker killed mid-batch leaves the entries on the list: the next drain stores them again,
  which changes nothing (the endToEndId is unique) and applies what is still pending;
- one drain at a time (a Redis lock with an expiry); the push that finds the list empty sends
  the drain's message, and beat's `tasks.pix.resume` drains every minute in case one was lost;
- a delivery Redis itself lost (a crash before it saved) is what reconciliation is for: the
  PSP's `GET /pix` lists it again.
Without Redis (the embedded default) the route stores the PIX in the database itself.
"""

import json
import uuid

from models.billing import pix_payments
from models.billing.settings import PixSettings
from models.db import db
from models.effects import on_commit, send_now
from models.settings import current

INBOX, LOCK = "provedor:pix:inbox", "provedor:pix:inbox:lock"
DRAIN_TASK = "tasks.pix.drain_inbox"
BATCH = 500  # deliveries per transaction
LOCK_SECONDS = 120  # a drain killed while holding the lock blocks others this long at most
_clients: dict[str, object] = {}


def _redis():
    """This process's client of the inbox's Redis (None without one: the database is used)."""
    url = current(PixSettings).inbox_url
    if url is None:
        return None
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url)
    return _clients[url]


def deliver(account_id: int, parsed: list[dict]) -> bool:
    """Hand a checked delivery to the inbox; False without Redis (the caller stores it). The
    first delivery into an empty inbox sends the drain."""
    client = _redis()
    if client is None:
        return False
    if parsed:
        entry = json.dumps({"account": account_id, "pix": [_plain(pix) for pix in parsed]})
        if client.rpush(INBOX, entry) == 1:
            send_now(DRAIN_TASK)
    return True


def _plain(pix: dict) -> dict:
    """A parsed PIX as JSON (amounts as strings, instants in ISO 8601)."""
    return {
        **pix,
        "amount": str(pix["amount"]),
        "paid_at": pix["paid_at"].isoformat(),
        "refunds": [{**r, "amount": str(r["amount"])} for r in pix["refunds"]],
    }


def _parsed(pix: dict) -> dict:
    from datetime import datetime
    from decimal import Decimal

    return {
        **pix,
        "amount": Decimal(pix["amount"]),
        "paid_at": datetime.fromisoformat(pix["paid_at"]),
        "refunds": [{**r, "amount": Decimal(r["amount"])} for r in pix["refunds"]],
    }


def take_lock() -> str | None:
    """The drain's lock (its token), or None when another drain holds it (or without Redis)."""
    client = _redis()
    token = uuid.uuid4().hex
    if client is None or not client.set(LOCK, token, nx=True, ex=LOCK_SECONDS):
        return None
    return token


def release_lock(token: str) -> bool:
    """Give the lock back (only if still ours); whether the inbox has entries left."""
    client = _redis()
    if client.get(LOCK) == token.encode():
        client.delete(LOCK)
    return client.llen(INBOX) > 0


def drain_batch(token: str) -> int:
    """Store and apply the inbox's next batch (flushes; the caller commits). Its entries leave
    the inbox after the commit, while the lock is still ours; how many deliveries it took."""
    client = _redis()
    client.expire(LOCK, LOCK_SECONDS)  # still draining
    entries = client.lrange(INBOX, 0, BATCH - 1)
    if not entries:
        return 0
    by_account: dict[int, list[dict]] = {}
    for raw in entries:
        entry = json.loads(raw)
        by_account.setdefault(entry["account"], []).extend(_parsed(p) for p in entry["pix"])
    to_apply: list[int] = []
    for account_id, parsed in sorted(by_account.items()):
        to_apply += pix_payments.record_received(account_id, parsed, pix_payments.WEBHOOK)
    if to_apply:
        pix_payments.apply_received(sorted(set(to_apply)))
    on_commit(client.ltrim, INBOX, len(entries), -1)
    db.session.flush()
    return len(entries)
