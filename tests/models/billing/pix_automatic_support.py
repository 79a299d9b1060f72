"""Pix Automático test support: a small fake of the API Pix client (the Pix Automático calls
only, with the window rule a PSP applies) and the setup every test needs.

The end-to-end tests use the stand-in PSP (tests/pix_psp); these exercise the service's own
rules quickly, with the clock moved."""

import itertools
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal

import time_machine

from models import clock
from models.audit import Actor, set_actor
from models.billing.billing_accounts import default_account
from models.billing.psp_client import PspRejected
from models.billing.psp_connections import save_connection
from models.db import db

SYSTEM = Actor(username="test-pix", by_system=True)
CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
)
ID_REC_PREFIX = "RN1234567820270101"


class FakePsp:
    """What a PSP holds for Pix Automático; `api_for` gives the client the models call."""

    def __init__(self):
        self.recs: dict[str, dict] = {}
        self.cobrs: dict[str, dict] = {}
        self.cobs: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.window_violations = 0
        self.crash_after_put = False  # the worker dies once the PSP has answered
        self._ids = itertools.count(1)

    def api_for(self, _config):
        return FakeApi(self)

    def puts(self, txid: str) -> int:
        return self.calls.count(("PUT /cobr", txid))

    def approve(self, id_rec: str) -> dict:
        self.recs[id_rec]["status"] = "APROVADA"
        return {"idRec": id_rec, "status": "APROVADA", "atualizacao": []}


class WorkerKilled(Exception):
    """Stands for the worker's process dying before its transaction commits."""


class FakeApi:
    def __init__(self, psp: FakePsp):
        self.psp = psp

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.psp.calls.append(("close", ""))

    def post_locrec(self) -> dict:
        loc_id = next(self.psp._ids)
        self.psp.calls.append(("POST /locrec", str(loc_id)))
        return {"id": loc_id, "location": f"psp.test/qr/v2/rec/{loc_id:032d}", "tipo": "rec"}

    def post_rec(self, body: dict) -> dict:
        id_rec = f"{ID_REC_PREFIX}{next(self.psp._ids):011d}"
        self.psp.calls.append(("POST /rec", id_rec))
        rec = {"idRec": id_rec, "status": "CRIADA", "body": body}
        rec["loc"] = {"id": body["loc"], "location": f"psp.test/qr/v2/rec/{body['loc']:032d}"}
        self.psp.recs[id_rec] = rec
        return dict(rec)

    def get_rec(self, id_rec: str) -> dict | None:
        return self.psp.recs.get(id_rec)

    def patch_rec(self, id_rec: str, body: dict) -> dict:
        self.psp.calls.append(("PATCH /rec", id_rec))
        rec = self.psp.recs[id_rec]
        if rec["status"] in ("CANCELADA", "EXPIRADA", "REJEITADA"):
            raise PspRejected(f"A recorrência está {rec['status']}.", 400)
        rec.update(body)
        return dict(rec)

    def get_cob(self, txid: str) -> dict | None:
        return self.psp.cobs.get(txid)

    def put_cob(self, txid: str, body: dict) -> dict:
        self.psp.calls.append(("PUT /cob", txid))
        self.psp.cobs[txid] = body
        return {"txid": txid, "status": "ATIVA", **body}

    def get_cobr(self, txid: str) -> dict | None:
        self.psp.calls.append(("GET /cobr", txid))
        return self.psp.cobrs.get(txid)

    def put_cobr(self, txid: str, body: dict) -> dict:
        self.psp.calls.append(("PUT /cobr", txid))
        if txid in self.psp.cobrs:
            raise PspRejected("txid já utilizado", 400)
        ahead = (date.fromisoformat(body["calendario"]["dataDeVencimento"]) - today()).days
        if not 2 <= ahead <= 10:
            self.psp.window_violations += 1
            raise PspRejected("Data de vencimento fora da janela.", 400)
        if self.psp.recs.get(body["idRec"], {}).get("status") != "APROVADA":
            raise PspRejected("A recorrência não está aprovada.", 400)
        self.psp.cobrs[txid] = {"txid": txid, "status": "CRIADA", **body}
        if self.psp.crash_after_put:
            self.psp.crash_after_put = False
            raise WorkerKilled
        return dict(self.psp.cobrs[txid])

    def patch_cobr(self, txid: str, body: dict) -> dict:
        self.psp.calls.append(("PATCH /cobr", txid))
        self.psp.cobrs[txid].update(body)
        return dict(self.psp.cobrs[txid])


def today() -> date:
    return clock.local_today()


@contextmanager
def on_day(day: date, hour: int = 9):
    """The clock at `hour` of the ISP's `day` (not ticking)."""
    local = datetime.combine(day, time(hour), tzinfo=clock.zone())
    with time_machine.travel(local, tick=False):
        yield


def connect_psp(app, active: bool = True) -> int:
    """The default billing account connected to a PSP; its id."""
    with app.app_context():
        set_actor(db.session, SYSTEM)
        account = default_account()
        save_connection(
            account.id,
            {
                "base_url": "https://psp.test/v2",
                "token_url": "https://psp.test/oauth/token",
                "client_id": "cliente",
                "client_secret": "segredo",
                "certificate_pem": CERTIFICATE,
                "pix_key": "cobranca@provedor.test",
                "active": active,
            },
        )
        db.session.commit()
        return account.id


def webhook_secret(app, account_id: int) -> str:
    """Draw the account's webhook secret, as a registration does."""
    from models.billing.psp_connections import get_connection

    with app.app_context():
        secret = get_connection(account_id).new_webhook_secret()
        db.session.commit()
        return secret


def paid_amount(app, receivable_id: int) -> tuple[str, Decimal | None]:
    from models.billing.receivables import Receivable

    with app.app_context():
        receivable = db.session.get(Receivable, receivable_id)
        return receivable.status, receivable.paid_amount
