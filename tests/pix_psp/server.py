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
# (document path pattern, methods, Ledger method per method)
ROUTES = [
    ("/cobv/{txid}", {"PUT": "put_cobv", "PATCH": "patch_cobv", "GET": "get_cobv"}),
    ("/pix", {"GET": "list_pix"}),
    ("/pix/{e2eid}", {"GET": "get_pix"}),
    ("/pix/{e2eid}/devolucao/{id}", {"PUT": "put_devolucao", "GET": "get_devolucao"}),
    ("/webhook/{chave}", {"PUT": "put_webhook"}),
    ("/webhookrec", {"PUT": "put_webhookrec"}),
    ("/webhookcobr", {"PUT": "put_webhookcobr"}),
    ("/locrec", {"POST": "post_locrec"}),
    ("/rec", {"POST": "post_rec"}),
    ("/rec/{idRec}", {"GET": "get_rec", "PATCH": "patch_rec"}),
    ("/cobr/{txid}", {"PUT": "put_cobr", "GET": "get_cobr", "PATCH": "patch_cobr"}),
]


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
        self._map = Map(
            [
                Rule(_werkzeug_rule(pattern), endpoint=pattern, methods=list(methods))
                for pattern, methods in ROUTES
            ]
            + [Rule("/oauth/token", endpoint="token", methods=["POST"])]
        )
        self._handlers = dict(ROUTES)

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

    def set_inter_mode(self, enabled: bool) -> None:
        """Deliver /pix webhooks as a bare JSON array, as Inter does."""
        self.webhooks.inter_mode = enabled

    def pay(self, txid: str, amount=None, when=None) -> dict:
        return self.ledger.pay(txid, amount, when)

    def pay_unknown(self, amount) -> dict:
        return self.ledger.pay_unknown(amount)

    def refund(self, e2eid: str, amount) -> dict:
        return self.ledger.refund(e2eid, amount)

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
            status, answer = self._operate(request, pattern, params, body)
        except Problem as problem:
            status, answer = problem.status, problem.body
        return self._answer(spec_request, status, answer)

    def _operate(self, request, pattern, params, body):
        name = self._handlers[pattern][request.method]
        ledger = self.ledger
        if name == "list_pix":
            args = request.args
            page = int(args.get("paginacao.paginaAtual", 0))
            per_page = int(args.get("paginacao.itensPorPagina", 100))
            return ledger.list_pix(args["inicio"], args["fim"], page, per_page)
        if name.startswith("put_webhook"):
            kind = name.removeprefix("put_webhook") or "pix:" + params.get("chave", "")
            if name == "put_webhook" and params["chave"] != self.pix_key:
                raise Problem(
                    400,
                    "WebhookOperacaoInvalida",
                    "Webhook inválido.",
                    "A chave informada não pertence ao usuário recebedor.",
                )
            self.webhooks.urls[kind] = body["webhookUrl"]
            return 200, None
        if name in ("put_devolucao", "get_devolucao"):
            extra = (body,) if name == "put_devolucao" else ()
            return getattr(ledger, name)(params["e2eid"], params["id"], *extra)
        key = next(iter(params.values()), None)
        positional = [v for v in (key, body) if v is not None]
        if name in ("get_cobv", "get_pix", "get_rec", "get_cobr"):
            positional = [key]
        return getattr(ledger, name)(*positional)

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
