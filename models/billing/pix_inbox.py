"""The PIX webhooks' inbox: what the PSPs post, handed over at once, stored and applied in batches.

A webhook must be answered fast, and a burst of them must not queue behind the database's
commits. With Redis (the deployed broker), the route checks the delivery and pushes it to a
Redis list (`deliver`): one round trip, no database. A worker then drains the list (`drain`),
a batch per transaction: each PIX stored once by its endToEndId and applied, and only after the
commit are the batch's entries taken off the list. So:
- a worker killed mid-batch leaves the entries on the list: the next drain stores them again,
  which changes nothing (the endToEndId is unique) and applies what is still pending;
- the inbox is SHARDS lists, a delivery's by its first endToEndId (the same PIX posted again
  lands on the same list), so as many drains work at once, one per list (a Redis lock with an
  expiry each); the push that finds its list empty sends that list's drain, and beat's
  `tasks.pix.resume` drains every list every minute in case a message was lost;
- a delivery Redis itself lost (a crash before it saved) is what reconciliation is for: the
  PSP's `GET /pix` lists it again.
Without Redis (the embedded default), or while it cannot be reached, the route stores the PIX
in the database itself.
"""

import json
import logging
import uuid
import zlib

from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from models.billing import pix_payments
from models.billing.settings import PixSettings
from models.db import db
from models.effects import on_commit, send_now
from models.settings import current

INBOX, LOCK = "provedor:pix:inbox:{shard}", "provedor:pix:inbox:{shard}:lock"
SHARDS = 2  # drains at once: the worker's two processes (WORKER_CONCURRENCY's default)
DRAIN_TASK = "tasks.pix.drain_inbox"
BATCH = 500  # deliveries per transaction
LOCK_SECONDS = 120  # a drain killed while holding the lock blocks others this long at most
_clients: dict[str, object] = {}
# A local Redis answers in milliseconds: one that does not is down, and the webhook stores the
# delivery in the database at once instead of retrying for seconds (redis-py's default). One
# retry at once still covers a pooled connection that a Redis restart closed.
CLIENT_OPTIONS = {"socket_timeout": 1.0, "socket_connect_timeout": 0.5}
RETRIES = 1
log = logging.getLogger(__name__)


def _redis():
    """This process's client of the inbox's Redis (None without one: the database is used)."""
    url = inbox_url()
    if url is None:
        return None
    if url not in _clients:
        import redis

        retry = Retry(NoBackoff(), RETRIES)
        _clients[url] = redis.Redis.from_url(url, retry=retry, **CLIENT_OPTIONS)
    return _clients[url]


def deliver(account_id: int, parsed: list[dict]) -> bool:
    """Hand a checked delivery to the inbox; False without Redis (the caller stores it). The
    first delivery into an empty inbox sends the drain."""
    client = _redis()
    if client is None:
        return False
    if parsed:
        shard, inbox, entry = entry_for(account_id, parsed)
        try:
            pushed = client.rpush(inbox, entry)
        except RedisError as error:  # the caller stores it: answered 200, it must not be lost
            log.warning("PIX inbox unreachable, delivery stored in the database: %s", error)
            return False
        if pushed == 1:
            ask_drain(shard)
    return True


def ask_drain(shard: int) -> None:
    """Send list `shard`'s drain: whoever pushed into the empty list."""
    send_now(DRAIN_TASK, shard)


def entry_for(account_id: int, parsed: list[dict]) -> tuple[int, str, str]:
    """Where a (non-empty) delivery goes, and what is pushed: (its shard, the shard's list, the
    entry). The webhook front (web/pix_front.py) pushes it itself, without blocking; whoever
    pushes it into an empty list sends that shard's drain (`ask_drain`)."""
    entry = json.dumps({"account": account_id, "pix": [_plain(pix) for pix in parsed]})
    shard = zlib.crc32(parsed[0]["end_to_end_id"].encode()) % SHARDS
    return shard, INBOX.format(shard=shard), entry


def inbox_url() -> str | None:
    """The inbox's Redis (None without one: webhooks are stored in the database)."""
    return current(PixSettings).inbox_url


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


def take_lock(shard: int) -> str | None:
    """The lock of list `shard` (its token), or None when another drain holds it (or without
    Redis)."""
    client = _redis()
    token = uuid.uuid4().hex
    if client is None or not client.set(LOCK.format(shard=shard), token, nx=True, ex=LOCK_SECONDS):
        return None
    return token


def release_lock(shard: int, token: str) -> bool:
    """Give the lock back (only if still ours); whether the list has entries left."""
    client, lock = _redis(), LOCK.format(shard=shard)
    if client.get(lock) == token.encode():
        client.delete(lock)
    return client.llen(INBOX.format(shard=shard)) > 0


def drain_batch(shard: int) -> int:
    """Store and apply the next batch of list `shard`, whose lock the caller holds (flushes;
    the caller commits). Its entries leave the list after the commit; how many it took."""
    client, inbox = _redis(), INBOX.format(shard=shard)
    client.expire(LOCK.format(shard=shard), LOCK_SECONDS)  # still draining
    entries = client.lrange(inbox, 0, BATCH - 1)
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
    on_commit(client.ltrim, inbox, len(entries), -1)
    db.session.flush()
    return len(entries)
