"""Webhook deliveries from the stand-in PSP to the receiver, over mutual TLS, with faults on demand.

The PSP posts to `{webhookUrl}/pix`, `/rec` or `/cobr` (the document's callbacks) presenting its own
client certificate (the receiver's proxy checks it) and verifying the receiver's server certificate
against the stand-in's CA. Every body is checked against the callback's schema before it is sent.

Faults, each for the next deliveries: duplicate(n) sends each one n times, delay(seconds) sends it
that late from a background thread (join() waits), drop(count) loses it (recorded in `lost`, never
sent), reorder() holds deliveries until flush() sends them newest first.
"""

import contextlib
import json
import os
import tempfile
import threading
import time

import requests

from tests.pix_psp.validation import callback_errors


class Webhooks:
    def __init__(self, client_pem: str, ca_pem: str, violations: list[str]):
        self._files = []
        for text, suffix in ((client_pem, ".pem"), (ca_pem, ".ca.pem")):
            descriptor, path = tempfile.mkstemp(prefix="psp-webhook-", suffix=suffix)
            os.write(descriptor, text.encode())
            os.close(descriptor)
            self._files.append(path)
        self._violations = violations
        self.urls: dict[str, str] = {}  # "pix:<chave>", "rec", "cobr" -> the registered webhookUrl
        self.delivered: list[tuple[str, int | None, float]] = []  # (url, status, elapsed s)
        self.lost: list[tuple[str, object]] = []  # (url, body) dropped on purpose
        self.inter_mode = False
        self.timeout = 5.0
        self._copies = 1
        self._delay = 0.0
        self._drop = 0
        self._holding = False
        self._held: list[tuple[str, object]] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._local = threading.local()  # one keep-alive session per delivering thread

    # --- faults -------------------------------------------------------------------------
    def duplicate(self, n: int) -> None:
        """Deliver each next webhook n times (a PSP retrying although the receiver answered)."""
        self._copies = n

    def delay(self, seconds: float) -> None:
        """Deliver the next webhooks `seconds` late, from a background thread."""
        self._delay = seconds

    def drop(self, count: int) -> None:
        """Lose the next `count` deliveries (the reconciliation must find those PIX)."""
        self._drop = count

    def reorder(self) -> None:
        """Hold deliveries until flush(), which sends them in reverse order."""
        self._holding = True

    def flush(self) -> None:
        with self._lock:
            held, self._held, self._holding = self._held[::-1], [], False
        for url, body in held:
            self._post(url, body)

    def reset(self) -> None:
        self._copies, self._delay, self._drop, self._holding = 1, 0.0, 0, False

    def join(self, timeout: float = 30.0) -> None:
        """Wait for the delayed deliveries under way."""
        for thread in list(self._threads):
            thread.join(timeout)

    # --- delivery -----------------------------------------------------------------------
    def url_for(self, kind: str, chave: str | None = None) -> str | None:
        registered = self.urls.get(f"pix:{chave}" if kind == "pix" else kind)
        return None if registered is None else registered.rstrip("/") + "/" + kind

    def deliver(self, kind: str, body: dict, chave: str | None = None) -> None:
        """Send one notification (`kind` pix, rec or cobr) to the registered URL, if any."""
        errors = callback_errors(kind, body)
        if errors:
            self._violations.extend(errors)
        url = self.url_for(kind, chave)
        if url is None:
            return
        if kind == "pix" and self.inter_mode:
            body = body["pix"]  # Inter's known deviation: a bare array of PIX
        with self._lock:
            if self._drop > 0:
                self._drop -= 1
                self.lost.append((url, body))
                return
            if self._holding:
                self._held.extend([(url, body)] * self._copies)
                return
            copies, delay = self._copies, self._delay
        if delay:
            thread = threading.Thread(
                target=self._late, args=(url, body, copies, delay), daemon=True
            )
            self._threads.append(thread)
            thread.start()
            return
        for _ in range(copies):
            self._post(url, body)

    def _late(self, url, body, copies, delay):
        time.sleep(delay)
        for _ in range(copies):
            self._post(url, body)

    def _post(self, url: str, body) -> None:
        started = time.monotonic()
        status = None
        try:
            answer = self._session().post(
                url,
                data=json.dumps(body),
                headers={"Content-Type": "application/json"},
                cert=self._files[0],
                verify=self._files[1],
                timeout=self.timeout,
            )
            status = answer.status_code
        except requests.RequestException:
            status = None  # the receiver was down or refused our TLS: what a real PSP records
        with self._lock:
            self.delivered.append((url, status, time.monotonic() - started))

    def _session(self) -> requests.Session:
        """A session per thread: PSPs keep connections open, and a TLS handshake per delivery
        would make bursts of webhooks slower than the receiver."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def close(self) -> None:
        self.join(5)
        for path in self._files:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
