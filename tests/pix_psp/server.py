"""The stand-in PSP: the API Pix over mutual TLS + OAuth2, checked against the BCB's document.

Each request goes: client certificate (the TLS layer refuses a client without one from the
stand-in's CA) -> injected fault, if any -> bearer token -> OpenAPI request check (a refused request
is answered 400 with a Problema body and recorded in `violations`) -> the operation
(state.Ledger) -> OpenAPI response check (a refused answer is a bug in the stand-in: recorded
in `violations`).

Answers the document does not declare for an operation (401 for a bad token, injected 500/429) are
not checked: a real PSP gives them anyway, and the client must cope.
"""

import base64
import copy
import json
import secrets
import threading
import time
from datetime import date

import trustme
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.pix_psp.faults import Faults
from tests.pix_psp.mtls_server import MtlsLiveServer
from tests.pix_psp.state import Ledger, Problem
from tests.pix_psp.validation import SpecRequest, request_errors, response_errors
from tests.pix_psp.webhooks import Webhooks

API_PREFIX = "/v2"


def operations(psp: "PspStandIn") -> dict:
    """(the document's path pattern, method) -> f(path params, query, body) -> (status, body)."""
    ledger = psp.ledger
    return {
        ("/cob/{txid}", "PUT"): lambda p, q, b: ledger.put_cob(p["txid"], b),
        ("/cob/{txid}", "GET"): lambda p, q, b: ledger.get_cob(p["txid"]),
        ("/cobv/{txid}", "PUT"): lambda p, q, b: ledger.put_cobv(p["txid"], b),
        ("/cobv/{txid}", "PATCH"): lambda p, q, b: ledger.patch_cobv(p["txid"], b),
        ("/cobv/{txid}", "GET"): lambda p, q, b: ledger.get_cobv(p["txid"]),
        ("/pix", "GET"): lambda p, q, b: ledger.list_pix(
            q["inicio"],
            q["fim"],
            int(q.get("paginacao.paginaAtual", 0)),
            int(q.get("paginacao.itensPorPagina", 100)),
        ),
        ("/pix/{e2eid}", "GET"): lambda p, q, b: ledger.get_pix(p["e2eid"]),
        ("/pix/{e2eid}/devolucao/{id}", "PUT"): lambda p, q, b: ledger.put_devolucao(
            p["e2eid"], p["id"], b
        ),
        ("/pix/{e2eid}/devolucao/{id}", "GET"): lambda p, q, b: ledger.get_devolucao(
            p["e2eid"], p["id"]
        ),
        ("/webhook/{chave}", "PUT"): lambda p, q, b: psp.register_webhook("pix", b, p["chave"]),
        ("/webhookrec", "PUT"): lambda p, q, b: psp.register_webhook("rec", b),
        ("/webhookcobr", "PUT"): lambda p, q, b: psp.register_webhook("cobr", b),
        ("/locrec", "POST"): lambda p, q, b: ledger.post_locrec(),
        ("/rec", "POST"): lambda p, q, b: ledger.post_rec(b),
        ("/rec/{idRec}", "GET"): lambda p, q, b: ledger.get_rec(p["idRec"]),
        ("/rec/{idRec}", "PATCH"): lambda p, q, b: ledger.patch_rec(p["idRec"], b),
        ("/cobr/{txid}", "PUT"): lambda p, q, b: ledger.put_cobr(p["txid"], b),
        ("/cobr/{txid}", "GET"): lambda p, q, b: ledger.get_cobr(p["txid"]),
        ("/cobr/{txid}", "PATCH"): lambda p, q, b: ledger.patch_cobr(p["txid"], b),
    }


def _werkzeug_rule(pattern: str) -> str:
    return API_PREFIX + pattern.replace("{", "<").replace("}", ">")


class PspStandIn:
    """A PSP on https://127.0.0.1:PORT for tests; see README.md beside this module."""

    def __init__(self, pix_key: str = "financeiro@provedor.example", token_lifetime: int = 3600):
        self.pix_key = pix_key
        self.token_lifetime = token_lifetime
        self.client_id = "provedor-" + secrets.token_hex(4)
        self.client_secret = secrets.token_urlsafe(24)
        self._ca = trustme.CA(organization_name="Stand-in PSP CA")
        self.ca_pem = self._ca.cert_pem.bytes().decode()
        self.client_pem = _pem(self._ca.issue_cert("provedor-client"))
        self.webhook_client_pem = _pem(self._ca.issue_cert("psp-webhook-client"))
        self.service_server_pem = _pem(self._ca.issue_cert("127.0.0.1", "localhost"))
        server_pem = _pem(self._ca.issue_cert("127.0.0.1", "localhost"))

        self.violations: list[str] = []
        self.requests: list[tuple[str, str, object]] = []  # (method, path under /v2, json body)
        self.token_requests = 0
        self._tokens: dict[str, float] = {}  # access token -> monotonic expiry
        self._lock = threading.Lock()
        self.faults = Faults()
        self.webhooks = Webhooks(self.webhook_client_pem, self.ca_pem, self.violations)
        self._server = MtlsLiveServer(self._wsgi, self.ca_pem, server_pem)
        self.host = f"127.0.0.1:{self._server.port}"
        self.base_url = f"https://{self.host}{API_PREFIX}"
        self.token_url = f"https://{self.host}/oauth/token"
        self.ledger = Ledger(self.host, pix_key, self.webhooks.deliver)
        self._operations = operations(self)
        patterns = sorted({pattern for pattern, _method in self._operations})
        methods = {p: [m for q, m in self._operations if q == p] for p in patterns}
        self._map = Map(
            [Rule(_werkzeug_rule(p), endpoint=p, methods=methods[p]) for p in patterns]
            + [Rule("/oauth/token", endpoint="token", methods=["POST"])]
        )

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> "PspStandIn":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self.webhooks.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()

    # --- what tests look at and do ------------------------------------------------------
    @property
    def charges(self) -> dict:
        """txid -> the cobv as GET /cobv/{txid} answers it now (a snapshot)."""
        return self.ledger.charge_views()

    @property
    def window_violations(self) -> int:
        return self.ledger.window_violations

    def today(self) -> date:
        return self.ledger.today()

    def set_today(self, day: date | None) -> None:
        self.ledger.set_today(day)

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (a PSP revoking them early)."""
        with self._lock:
            self._tokens.clear()

    def fail_next(self, operation: str, kind: str, times: int = 1) -> None:
        self.faults.fail_next(operation, kind, times)

    def register_webhook(self, kind: str, body: dict, chave: str | None = None):
        """PUT /webhook/{chave}, /webhookrec, /webhookcobr: where `kind`'s notices go."""
        if kind == "pix" and chave != self.pix_key:
            raise Problem(
                400,
                "WebhookOperacaoInvalida",
                "Webhook inválido.",
                "A chave informada não pertence ao usuário recebedor.",
            )
        self.webhooks.urls[f"pix:{chave}" if kind == "pix" else kind] = body["webhookUrl"]
        return 200, None

    def set_inter_mode(self, enabled: bool) -> None:
        """Deliver /pix webhooks as a bare JSON array, as Inter does."""
        self.webhooks.inter_mode = enabled

    def pay(self, txid: str, amount=None, when=None) -> dict:
        return self.ledger.pay(txid, amount, when)

    def pay_unknown(self, amount) -> dict:
        return self.ledger.pay_unknown(amount)

    def refund(self, e2eid: str, amount) -> dict:
        return self.ledger.refund(e2eid, amount)

    def settle_refund(self, e2eid: str, refund_id: str, done: bool = True) -> dict:
        return self.ledger.settle_refund(e2eid, refund_id, done)

    def approve_rec(self, id_rec: str) -> dict:
        return self.ledger.set_rec_status(id_rec, "APROVADA")

    def reject_rec(self, id_rec: str) -> dict:
        return self.ledger.set_rec_status(id_rec, "REJEITADA")

    def settle_cobr(self, txid: str, paid: bool = True, failed_status: str = "REJEITADA") -> dict:
        return self.ledger.settle_cobr(txid, paid, failed_status)

    # --- WSGI ---------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except HTTPException as error:
            response = error.get_response()
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = self._map.bind_to_environ(request.environ)
        endpoint, params = adapter.match()
        if endpoint == "token":
            return self._fault_or(request, "token", lambda: self._issue_token(request))
        segment = request.path[len(API_PREFIX) :].split("/")[1]
        operation = f"{request.method} /{segment}"
        return self._fault_or(request, operation, lambda: self._api(request, endpoint, params))

    def _fault_or(self, request: Request, operation: str, answer) -> Response:
        kind = self.faults.take(operation)
        if kind == "timeout":
            time.sleep(self.faults.slow_seconds)
        elif kind in ("503", "500", "429"):
            status = int(kind)
            body = {
                "type": "https://pix.bcb.gov.br/api/v2/error/ServicoIndisponivel",
                "title": "Serviço Indisponível",
                "status": status,
                "detail": "Falha simulada pelo PSP de teste.",
            }
            return _json(status, body, "application/problem+json")
        return answer()

    def _issue_token(self, request: Request) -> Response:
        with self._lock:
            self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return _json(401, {"error": "invalid_client"})
        if request.form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type"})
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_lifetime
        return _json(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "scope": "cob.write cob.read pix.write pix.read webhook.write rec.write",
            },
        )

    def _token_ok(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        with self._lock:
            expiry = self._tokens.get(token)
        return header.startswith("Bearer ") and expiry is not None and expiry > time.monotonic()

    def _api(self, request: Request, pattern: str, params: dict) -> Response:
        raw = request.get_data()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        path = request.path[len(API_PREFIX) :]
        with self._lock:  # a copy: the operation may keep and later change parts of `body`
            self.requests.append((request.method, path, copy.deepcopy(body)))
        if not self._token_ok(request):
            return _json(
                401,
                {
                    "type": "https://pix.bcb.gov.br/api/v2/error/AcessoNegado",
                    "title": "Acesso Negado",
                    "status": 401,
                    "detail": "Token de acesso ausente, inválido ou expirado.",
                },
                "application/problem+json",
            )
        spec_request = SpecRequest(
            request.method,
            pattern,
            params,
            query=list(request.args.items(multi=True)),
            body=raw or None,
            content_type=request.content_type or "application/json",
        )
        refused = request_errors(spec_request)
        if refused:
            self._record(f"request {request.method} {path}: " + " | ".join(refused))
            return self._answer(spec_request, *_schema_problem(refused))
        try:
            operation = self._operations[(pattern, request.method)]
            status, answer = operation(params, request.args, body)
        except Problem as problem:
            status, answer = problem.status, problem.body
        return self._answer(spec_request, status, answer)

    def _answer(self, spec_request: SpecRequest, status: int, body) -> Response:
        content_type = "application/problem+json" if status >= 400 else "application/json"
        wrong = response_errors(spec_request, status, body, content_type)
        if wrong:
            self._record(
                f"response {status} to {spec_request.method.upper()} {spec_request.path}: "
                + " | ".join(wrong)
            )
        if body is None:
            return Response(status=status)
        return _json(status, body, content_type)

    def _record(self, violation: str) -> None:
        with self._lock:
            self.violations.append(violation)


def _schema_problem(errors: list[str]) -> tuple[int, dict]:
    return 400, {
        "type": "https://pix.bcb.gov.br/api/v2/error/RequisicaoInvalida",
        "title": "Requisição inválida.",
        "status": 400,
        "detail": "A requisição não respeita o schema. " + errors[0][:500],
    }


def _pem(cert: trustme.LeafCert) -> str:
    return cert.private_key_and_cert_chain_pem.bytes().decode()


def _json(status: int, body, content_type: str = "application/json") -> Response:
    return Response(json.dumps(body), status=status, content_type=content_type)
