"""The PIX webhooks' own front: the Procfile's `webhooks` process (uvicorn), where the proxy
sends `/api/v1/pix/webhook/...` (docs/OPERATIONS.md, "PIX through a PSP").

A PSP posts its PIX in bursts and wants an answer at once. Under gunicorn each post costs a
thread and ~2 ms of Flask; this front answers the common post on an event loop instead: a
delivery of plain PIX, for an account whose webhook secret this process checked within the
last SECRET_CACHE_SECONDS, while the inbox is Redis. It checks the body with the route's own
functions (`parse_json`, `pix_items`, `parse_pix`), pushes the delivery to the inbox without
blocking (`pix_inbox.entry_for`) and answers as the route does. Every other request (a secret
not checked lately, a body that is not plain PIX or not valid, Pix Automático, no Redis, any
other path) goes to the Flask app itself, in a thread: the route stays the one definition of
what a webhook does, and this front only a faster way to the same answer.

Its log has a line per push to the inbox (the deliveries it took, with their request ids)
rather than one per request: at thousands of posts a second, a line each cost more than the
rest of the answer.
"""

import asyncio
import itertools
import json
import logging
import os
import re
import signal
import sys
import time
import uuid
from urllib.parse import parse_qs

from a2wsgi import WSGIMiddleware
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from werkzeug.exceptions import BadRequest

from models.billing import pix_inbox, pix_payments
from models.errors import Invalid
from web.api.billing.pix import fresh_webhook_account, is_automatic, pix_items
from web.extensions import parse_json
from web.requestlog import SAFE_REQUEST_ID, log_request

log = logging.getLogger("provedor.pix_front")
# A request id for a post that brings none, without a system call per request (as uuid4 makes):
# this process's random prefix and a counter.
_ID_PREFIX, _id_counter = uuid.uuid4().hex[:16], itertools.count()

WEBHOOK = re.compile(r"/api/v1/pix/webhook/(?P<account>[0-9]{1,18})(?:/pix)?")
JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")
FLASK_THREADS = 8  # what reaches the Flask app: first posts, errors, Pix Automático


class PixWebhookFront:
    """An ASGI app: PIX deliveries answered on the event loop, everything else by `flask_app`."""

    def __init__(self, flask_app):
        self.flask_app = flask_app
        self.fallback = WSGIMiddleware(flask_app, workers=FLASK_THREADS)
        self.max_body = flask_app.config["MAX_CONTENT_LENGTH"]
        with flask_app.app_context():
            self.inbox_url = pix_inbox.inbox_url()
        self._pusher = None  # made on first use, inside the server's event loop

    async def __call__(self, scope, receive, send):
        match = WEBHOOK.fullmatch(scope.get("path", ""))
        if scope["type"] != "http" or scope["method"] != "POST" or match is None:
            return await self.fallback(scope, receive, send)
        body, complete = await _read_body(receive, self.max_body)
        if body is None:
            return  # the client left: nobody to answer
        headers = _plain_headers(scope["headers"])
        received = None
        if complete and headers is not None:
            request_id = headers.get(b"x-request-id", b"").decode("latin-1")
            if not SAFE_REQUEST_ID.fullmatch(request_id):
                request_id = _new_request_id()
            account_id = int(match["account"])
            received = await self._deliver(scope, headers, account_id, body, request_id)
        if received is None:  # the Flask app answers it, from the same body
            return await self.fallback(_with_length(scope, body), _replay(body, receive), send)
        answer = json.dumps({"received": received}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(answer)).encode()),
                    (b"x-request-id", request_id.encode()),
                    (b"x-content-type-options", b"nosniff"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})
        if not received:  # a PSP's test post: its own line (deliveries get their push's)
            log_request("POST", scope["path"], 200, "-", 0.0, request_id)

    async def _deliver(
        self, scope, headers: dict, account_id: int, body: bytes, request_id: str
    ) -> int | None:
        """How many PIX were handed to the inbox; None when the Flask app must answer."""
        if self.inbox_url is None or headers.get(b"content-type", b"").lower() not in JSON_TYPES:
            return None
        known = fresh_webhook_account(self.flask_app, account_id, _secret(scope, headers))
        if known is None:
            return None
        billing_account_id, bare_array = known
        try:
            payload = parse_json(body)
            if is_automatic(payload):
                return None
            parsed = pix_payments.parse_pix(pix_items(payload, bare_array))
        except (BadRequest, Invalid):
            return None  # the route's answer names what is wrong
        if parsed:
            try:
                entry = pix_inbox.entry_for(billing_account_id, parsed)
                await self._inbox().push(*entry, request_id)
            except (RedisError, OSError):
                return None  # the route tries again, and answers the error if Redis is down
        return len(parsed)

    def _inbox(self) -> "InboxPusher":
        if self._pusher is None:
            retry = Retry(NoBackoff(), pix_inbox.RETRIES)  # as the inbox's own client
            client = Redis.from_url(self.inbox_url, retry=retry, **pix_inbox.CLIENT_OPTIONS)
            self._pusher = InboxPusher(client)
        return self._pusher


class InboxPusher:
    """Pushes deliveries to the inbox in as few round trips as possible (a group commit): the
    deliveries that arrive while a push is in flight go together in the next one, one RPUSH
    per list. Each delivery's caller resumes once its entry is in Redis (or with the error)."""

    def __init__(self, client):
        self.client = client
        # (shard, list) -> [(entry, its request's id, the future its request awaits)]
        self.waiting: dict[tuple[int, str], list] = {}
        self.flushing: asyncio.Task | None = None  # the task pushing, while there is one

    async def push(self, shard: int, inbox: str, entry: str, request_id: str) -> None:
        done = asyncio.get_running_loop().create_future()
        self.waiting.setdefault((shard, inbox), []).append((entry, request_id, done))
        if self.flushing is None:  # kept: the loop holds tasks only weakly
            self.flushing = asyncio.get_running_loop().create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting, {}
            started = time.perf_counter()
            pipe = self.client.pipeline(transaction=False)
            for (_shard, inbox), pushes in batch.items():
                pipe.rpush(inbox, *(entry for entry, _, _ in pushes))
            try:
                lengths = await pipe.execute()
            except BaseException as error:  # each waiting request falls back to the route
                for pushes in batch.values():
                    _settle(pushes, error)
                if not isinstance(error, Exception):  # cancelled: the server is stopping
                    self.flushing = None
                    raise
                continue
            ms = (time.perf_counter() - started) * 1000
            for ((shard, inbox), pushes), length in zip(batch.items(), lengths, strict=True):
                if length == len(pushes):  # the list was empty: its drain may be idle
                    asyncio.get_running_loop().run_in_executor(None, pix_inbox.ask_drain, shard)
                _settle(pushes, None)
                ids = ",".join(request_id for _, request_id, _ in pushes)
                log.info("%d PIX deliveries into %s in %.1fms request_ids=%s",
                         len(pushes), inbox, ms, ids)  # fmt: skip
        self.flushing = None


def _settle(pushes: list, error: BaseException | None) -> None:
    """Resume the requests waiting on these pushes (one the server cancelled is gone)."""
    for _, _, done in pushes:
        if not done.done():
            done.set_result(None) if error is None else done.set_exception(error)


def _new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


def _plain_headers(raw: list) -> dict | None:
    """The headers by name; None when a name repeats or has an underscore: the WSGI server
    joins the first and may take the second for a dash, so only the route reads those."""
    headers = dict(raw)
    if len(headers) != len(raw) or any(b"_" in name for name in headers):
        return None
    return headers


def _secret(scope, headers: dict) -> str | None:
    """As the route reads it: the proxy's header, else the first `?hmac=` of the registered
    URL, blank included."""
    if b"x-webhook-secret" in headers:
        return headers[b"x-webhook-secret"].decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    values = parse_qs(query, keep_blank_values=True).get("hmac")
    return values[0] if values else None


async def _read_body(receive, limit: int) -> tuple[bytes | None, bool]:
    """The request's body (None if the client left), and whether it was read whole: reading
    stops past `limit` (the Flask app then answers 413 from what was read)."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None, False
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > limit:
            return b"".join(chunks), False
    return b"".join(chunks), True


def _with_length(scope, body: bytes):
    """The request as the Flask app should see it: with the Content-Length of the body read (a
    chunked body's included: the WSGI bridge would hand the app an empty one otherwise)."""
    headers = [
        (k, v) for k, v in scope["headers"] if k not in (b"content-length", b"transfer-encoding")
    ]
    return {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}


def _replay(body: bytes, receive):
    """`receive` for the Flask app: the body already read, then the client's own messages."""
    sent = False

    async def replayed():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def create_front():
    """The ASGI app uvicorn serves."""
    from web import create_app

    return PixWebhookFront(create_app())


def main() -> None:
    """`python -m web.pix_front`, the Procfile's `webhooks` line: uvicorn on BIND_ADDRESS and
    WEBHOOKS_PORT, with WEBHOOKS_CONCURRENCY processes (docs/OPERATIONS.md, "Web server")."""
    import uvicorn

    from web.gunicorn_conf import whole_number

    # uvicorn stops gracefully on SIGTERM and then raises it again to die of it; a supervisor
    # would take that for a crash. Exiting is what the signal asked for.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        "web.pix_front:create_front",
        factory=True,
        host=os.environ.get("BIND_ADDRESS") or "127.0.0.1",
        port=whole_number("WEBHOOKS_PORT", 5001),
        workers=whole_number("WEBHOOKS_CONCURRENCY", 1),
        proxy_headers=False,  # the app's own ProxyFix (TRUSTED_PROXIES) decides, as under gunicorn
        access_log=False,  # the front logs its pushes; the app its requests
        timeout_graceful_shutdown=8,  # as gunicorn's graceful_timeout
    )


if __name__ == "__main__":
    main()
