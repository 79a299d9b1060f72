"""The one adapter to a PIX payment provider (PSP): the Banco Central's standard "API Pix".

Every PSP an ISP uses (Efí, Inter, Sicoob, Banco do Brasil, Sicredi...) implements the same
document (bacen/pix-api), so one client serves them all; what differs is the base URL, the OAuth2
token endpoint and the certificates, all in PspConfig. The rest of the service never speaks HTTP
to a PSP: it calls PixApi and handles two kinds of failure, which is all a caller has to decide on:

- PspUnavailable: try again later (timeout, connection refused or reset, TLS failure, 5xx, 429);
- PspRejected: the PSP said no and will say no again (any other 4xx): record it, do not retry.

Mutual TLS: requests can only take the client certificate from a file, so the PEM (certificate and
key) is written once per PixApi to a private temporary file (0600) and removed on close() or when
the object is collected. Neither the secret, the token nor the key is ever logged or put in an
error message.

OAuth2 client credentials: the token is cached per (token_url, client_id) for the whole process, so
workers do not ask for one per call, until 30 s before it expires; a 401/403 from the API gets one
fresh token and the call is made once more (a PSP may revoke tokens before they expire).
"""

import contextlib
import logging
import os
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote

import requests

from models.wire import transport_failure

log = logging.getLogger(__name__)

TOKEN_MARGIN_S = 30  # a token is renewed this long before the PSP says it expires
DETAIL_LIMIT = 300


class PspError(Exception):
    """A call to the PSP failed; .status is the HTTP status (None: no answer), .problem its body."""

    def __init__(self, message: str, status: int | None = None, problem: dict | None = None):
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


class PspUnavailable(PspError):
    """The PSP could not answer now (timeout, connection, TLS, 5xx, 429): retry later."""


class PspRejected(PspError):
    """The PSP refused the request (4xx): retrying the same request is refused again."""


@dataclass(frozen=True)
class PspConfig:
    base_url: str  # e.g. "https://pix.example.com/v2" (paths are appended: /cobv/{txid})
    token_url: str  # OAuth2 token endpoint (Efí /oauth/token, Inter /oauth/v2/token)
    client_id: str
    client_secret: str
    certificate_pem: str  # the client certificate AND its private key, PEM, for mutual TLS
    ca_pem: str | None = None  # trust this CA for the PSP's server certificate (None: system CAs)
    timeout: float = 10.0  # seconds, connect and read

    def __repr__(self) -> str:  # the secret and the key never reach a log or a traceback
        return f"PspConfig(base_url={self.base_url!r}, client_id={self.client_id!r})"


# (token_url, client_id) -> (access token, monotonic instant it stops being used)
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    """Drop every cached token (tests; a PSP connection whose credentials changed)."""
    with _tokens_lock:
        _tokens.clear()


def _private_file(text: str, suffix: str) -> str:
    """Write `text` to a new file only this user can read; its path."""
    descriptor, path = tempfile.mkstemp(prefix="psp-", suffix=suffix)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)
    return path


def _remove(paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _rfc3339(instant: datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError("inicio/fim must be aware datetimes")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _amount(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):.2f}"


def _problem_text(problem: dict, status: int) -> str:
    title = str(problem.get("title") or f"HTTP {status}")
    detail = str(problem.get("detail") or "")
    text = f"{title}: {detail}" if detail else title
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


class PixApi:
    """One PSP connection: the API Pix operations the service uses, over mutual TLS + OAuth2."""

    def __init__(self, config: PspConfig):
        self.config = config
        self._base = config.base_url.rstrip("/")
        self._files = [_private_file(config.certificate_pem, ".pem")]
        self._verify: str | bool = True
        if config.ca_pem:
            self._files.append(_private_file(config.ca_pem, ".ca.pem"))
            self._verify = self._files[-1]
        self._cleanup = weakref.finalize(self, _remove, list(self._files))
        self._session = requests.Session()
        self._token_key = (config.token_url, config.client_id)

    def close(self) -> None:
        """Close the connections and delete the private certificate files."""
        self._session.close()
        self._cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    # --- cob with due date ---------------------------------------------------------------
    # immediate charge (Pix Automático's journey 3: paid to approve the recurrence)
    def put_cob(self, txid: str, body: dict) -> dict:
        return self._call("PUT", f"/cob/{_seg(txid)}", body)

    def get_cob(self, txid: str) -> dict | None:
        return self._call("GET", f"/cob/{_seg(txid)}", missing_ok=True)

    def put_cobv(self, txid: str, body: dict) -> dict:
        return self._call("PUT", f"/cobv/{_seg(txid)}", body)

    def get_cobv(self, txid: str) -> dict | None:
        return self._call("GET", f"/cobv/{_seg(txid)}", missing_ok=True)

    def patch_cobv(self, txid: str, body: dict) -> dict:
        return self._call("PATCH", f"/cobv/{_seg(txid)}", body)

    # --- received PIX --------------------------------------------------------------------
    def list_pix(self, inicio: datetime, fim: datetime, page: int = 0, per_page: int = 100) -> dict:
        params = {
            "inicio": _rfc3339(inicio),
            "fim": _rfc3339(fim),
            "paginacao.paginaAtual": page,
            "paginacao.itensPorPagina": per_page,
        }
        return self._call("GET", "/pix", params=params)

    def get_pix(self, e2eid: str) -> dict | None:
        return self._call("GET", f"/pix/{_seg(e2eid)}", missing_ok=True)

    def put_devolucao(self, e2eid: str, refund_id: str, valor: Decimal) -> dict:
        path = f"/pix/{_seg(e2eid)}/devolucao/{_seg(refund_id)}"
        return self._call("PUT", path, {"valor": _amount(valor)})

    def get_devolucao(self, e2eid: str, refund_id: str) -> dict | None:
        path = f"/pix/{_seg(e2eid)}/devolucao/{_seg(refund_id)}"
        return self._call("GET", path, missing_ok=True)

    # --- webhooks ------------------------------------------------------------------------
    def put_webhook(self, chave: str, url: str) -> None:
        self._call("PUT", f"/webhook/{_seg(chave)}", {"webhookUrl": url})

    def put_webhookrec(self, url: str) -> None:
        self._call("PUT", "/webhookrec", {"webhookUrl": url})

    def put_webhookcobr(self, url: str) -> None:
        self._call("PUT", "/webhookcobr", {"webhookUrl": url})

    # --- Pix Automático (API Pix 2.7+) ----------------------------------------------------
    def post_locrec(self) -> dict:
        return self._call("POST", "/locrec")

    def post_rec(self, body: dict) -> dict:
        return self._call("POST", "/rec", body)

    def get_rec(self, id_rec: str) -> dict | None:
        return self._call("GET", f"/rec/{_seg(id_rec)}", missing_ok=True)

    def patch_rec(self, id_rec: str, body: dict) -> dict:
        return self._call("PATCH", f"/rec/{_seg(id_rec)}", body)

    def put_cobr(self, txid: str, body: dict) -> dict:
        return self._call("PUT", f"/cobr/{_seg(txid)}", body)

    def get_cobr(self, txid: str) -> dict | None:
        return self._call("GET", f"/cobr/{_seg(txid)}", missing_ok=True)

    def patch_cobr(self, txid: str, body: dict) -> dict:
        return self._call("PATCH", f"/cobr/{_seg(txid)}", body)

    # --- HTTP ----------------------------------------------------------------------------
    def _call(self, method, path, body=None, params=None, missing_ok=False):
        """One API call: a 401/403 gets one fresh token and one more try; errors classified."""
        response = self._send(method, path, body, params, self._token())
        if response.status_code in (401, 403):
            log.info("PSP %s refused its token on %s %s: a new one", self._base, method, path)
            self._drop_token()
            response = self._send(method, path, body, params, self._token(fresh=True))
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            raise _error_of(response, f"{method} {path.split('/')[1]}")
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise PspUnavailable(
                f"{method} {path.split('/')[1]}: the PSP's answer is not JSON",
                response.status_code,
            ) from error

    def _send(self, method, path, body, params, token) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return self._session.request(
                method,
                self._base + path,
                json=body,
                params=params,
                headers=headers,
                **self._tls(),
            )
        except requests.RequestException as error:
            raise PspUnavailable(
                f"{method} {path.split('/')[1]}: {transport_failure(error)}"
            ) from None

    def _tls(self) -> dict:
        """Per request, not on the session: requests lets REQUESTS_CA_BUNDLE override a
        session's `verify`, and the PSP's own CA must win."""
        return {"cert": self._files[0], "verify": self._verify, "timeout": self.config.timeout}

    def _token(self, fresh: bool = False) -> str:
        now = time.monotonic()
        with _tokens_lock:
            cached = _tokens.get(self._token_key)
        if cached and cached[1] > now and not fresh:
            return cached[0]
        try:
            response = self._session.post(
                self.config.token_url,
                data={"grant_type": "client_credentials"},
                auth=(self.config.client_id, self.config.client_secret),
                headers={"Accept": "application/json"},
                **self._tls(),
            )
        except requests.RequestException as error:
            raise PspUnavailable(f"token: {transport_failure(error)}") from None
        if response.status_code >= 400:
            raise _error_of(response, "token")
        try:
            answer = response.json()
            token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as error:
            raise PspUnavailable("token: the PSP's answer has no access_token") from error
        with _tokens_lock:
            _tokens[self._token_key] = (token, now + lifetime - TOKEN_MARGIN_S)
        return token

    def _drop_token(self) -> None:
        with _tokens_lock:
            _tokens.pop(self._token_key, None)


def _seg(value: str) -> str:
    """A path segment, escaped (a PIX key may be an e-mail or hold '+')."""
    return quote(str(value), safe="@")


def _error_of(response: requests.Response, operation: str) -> PspError:
    status = response.status_code
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    if status >= 500 or status == 429:
        return PspUnavailable(f"{operation}: HTTP {status}", status, problem)
    return PspRejected(_problem_text(problem, status), status, problem)
