"""What the stand-in PSP knows (charges, received PIX, recurrences) and what payers do to it.

The API operations (called by the server once a request passed the OpenAPI check) and the
simulations (pay, refund, approve a recurrence, settle a recurring charge) both live here, over one
lock, so a webhook always carries the state the API would answer. Records are kept exactly as the
API returns them (Portuguese field names, amounts as "10.00" strings): a test compares the two.
"""

import secrets
import string
import threading
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from models.billing.pix import GUI, ascii_text, crc16_ccitt

ISPB = "99999999"  # the stand-in's own participant code
ALPHANUM = string.ascii_letters + string.digits
RECEIVER = {
    "cnpj": "56989000019533",
    "nome": "Provedor Teste SA",
    "nomeFantasia": "Provedor Teste",
    "logradouro": "Rua das Fibras 100",
    "cidade": "Sao Paulo",
    "uf": "SP",
    "cep": "01310100",
}
TXID_USED = "txid já utilizado"  # what PSPs answer to a second PUT on the same txid
WINDOW_DAYS = (2, 10)  # Pix Automático: a cobr goes 2 to 10 days before its due date


class Problem(Exception):
    """An RFC 7807 answer in the API Pix's vocabulary (type/title/status/detail/violacoes)."""

    def __init__(self, status: int, kind: str, title: str, detail: str = "", violacoes=None):
        super().__init__(title)
        self.status = status
        self.body = {
            "type": f"https://pix.bcb.gov.br/api/v2/error/{kind}",
            "title": title,
            "status": status,
        }
        if detail:
            self.body["detail"] = detail
        if violacoes:
            self.body["violacoes"] = violacoes


def not_found(what: str) -> Problem:
    return Problem(404, "NaoEncontrado", "Não encontrado", f"{what} não encontrado(a).")


def now_text(instant: datetime | None = None) -> str:
    instant = (instant or datetime.now(UTC)).astimezone(UTC)
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _random(count: int) -> str:
    return "".join(secrets.choice(ALPHANUM) for _ in range(count))


def end_to_end_id(instant: datetime, prefix: str = "E") -> str:
    """BCB format: E (D for a devolução) + ISPB + yyyyMMddHHmm + 11 alphanumerics = 32."""
    return f"{prefix}{ISPB}{instant.astimezone(UTC):%Y%m%d%H%M}{_random(11)}"


def _field(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def dynamic_br_code(location: str, name: str, city: str) -> str:
    """The dynamic BR Code: the payload's location in field 26/25 and `***` as txid in 62/05."""
    payload = "".join(
        [
            _field("00", "01"),
            _field("01", "12"),
            _field("26", _field("00", GUI) + _field("25", location)),
            _field("52", "0000"),
            _field("53", "986"),
            _field("58", "BR"),
            _field("59", ascii_text(name, 25)),
            _field("60", ascii_text(city, 15)),
            _field("62", _field("05", "***")),
            "6304",
        ]
    )
    return payload + f"{crc16_ccitt(payload.encode()):04X}"


def _merge(target: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


class Ledger:
    """All the stand-in's records, behind one lock."""

    def __init__(self, host: str, pix_key: str, deliver):
        self.host = host  # "127.0.0.1:PORT", the locations' prefix (no scheme, as PSPs give them)
        self.pix_key = pix_key
        self._deliver = deliver  # (kind, body, chave) -> None: the webhooks
        self.lock = threading.RLock()
        self.charges: dict[str, dict] = {}  # txid -> cobv
        self.pix: dict[str, dict] = {}  # e2eid -> Pix
        self.locrecs: dict[int, dict] = {}
        self.recs: dict[str, dict] = {}
        self.cobrs: dict[str, dict] = {}
        self.cobs: dict[str, dict] = {}  # immediate charges (journey 3)
        self.window_violations = 0
        self._today: date | None = None
        self._ids = iter(range(1000, 10**9))

    # --- clock --------------------------------------------------------------------------
    def today(self) -> date:
        return self._today or date.today()

    def set_today(self, day: date | None) -> None:
        self._today = day

    # --- cobv ---------------------------------------------------------------------------
    def put_cob(self, txid: str, body: dict) -> tuple[int, dict]:
        """An immediate charge (Pix Automático's journey 3 composes its QR code with one)."""
        with self.lock:
            if txid in self.cobs or txid in self.charges:
                raise Problem(400, "CobOperacaoInvalida", "Cobrança inválida.", "txid já utilizado")
            self._own_key(body.get("chave"), "CobOperacaoInvalida")
            created = now_text()
            location = f"{self.host}/qr/v2/cob/{uuid.uuid4().hex}"
            charge = {
                "calendario": {"criacao": created, "expiracao": 86400, **body["calendario"]},
                "txid": txid,
                "revisao": 0,
                "loc": {
                    "id": next(self._ids),
                    "location": location,
                    "tipoCob": "cob",
                    "txid": txid,
                },
                "location": location,
                "status": "ATIVA",
                "valor": body["valor"],
                "chave": body["chave"],
                "pixCopiaECola": dynamic_br_code(location, RECEIVER["nome"], RECEIVER["cidade"]),
            }
            charge["loc"]["criacao"] = created
            for optional in ("devedor", "solicitacaoPagador", "infoAdicionais"):
                if optional in body:
                    charge[optional] = body[optional]
            self.cobs[txid] = charge
            return 201, self._public(charge)

    def get_cob(self, txid: str) -> tuple[int, dict]:
        with self.lock:
            charge = self.cobs.get(txid)
            if charge is None:
                raise not_found("Cobrança")
            return 200, self._public(charge, complete=True)

    def put_cobv(self, txid: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            if txid in self.charges:
                raise Problem(
                    400, "CobVOperacaoInvalida", "Cobrança inválida.", "txid já utilizado"
                )
            self._own_key(body.get("chave"), "CobVOperacaoInvalida")
            created = now_text()
            location = f"{self.host}/qr/v2/cobv/{uuid.uuid4().hex}"
            calendario = {"criacao": created, "validadeAposVencimento": 30}
            calendario.update(body["calendario"])
            charge = {
                "calendario": calendario,
                "txid": txid,
                "revisao": 0,
                "loc": {
                    "id": next(self._ids),
                    "location": location,
                    "tipoCob": "cobv",
                    "criacao": created,
                    "txid": txid,
                },
                "location": location,
                "status": "ATIVA",
                "devedor": body["devedor"],
                "recebedor": dict(RECEIVER),
                "valor": body["valor"],
                "chave": body["chave"],
                "pixCopiaECola": dynamic_br_code(location, RECEIVER["nome"], RECEIVER["cidade"]),
            }
            for optional in ("solicitacaoPagador", "infoAdicionais"):
                if optional in body:
                    charge[optional] = body[optional]
            self.charges[txid] = charge
            return 201, self._public(charge)

    def patch_cobv(self, txid: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            charge = self._charge(txid)
            if charge["status"] != "ATIVA":
                raise Problem(
                    400,
                    "CobVOperacaoInvalida",
                    "Cobrança inválida.",
                    f"A cobrança está {charge['status']} e não pode ser alterada.",
                )
            if "chave" in body:
                self._own_key(body["chave"], "CobVOperacaoInvalida")
            _merge(charge, {k: v for k, v in body.items() if k != "loc"})
            charge["revisao"] += 1
            return 200, self._public(charge)

    def get_cobv(self, txid: str) -> tuple[int, dict]:
        with self.lock:
            return 200, self._public(self._charge(txid), complete=True)

    def charge_views(self) -> dict[str, dict]:
        with self.lock:
            return {txid: self._public(c, complete=True) for txid, c in self.charges.items()}

    def _charge(self, txid: str) -> dict:
        charge = self.charges.get(txid)
        if charge is None:
            raise not_found("Cobrança")
        return charge

    def _public(self, charge: dict, complete: bool = False) -> dict:
        answer = {k: v for k, v in charge.items() if k != "pix"}
        if complete and charge.get("pix"):
            answer["pix"] = [self.pix[e2eid] for e2eid in charge["pix"]]
        return _copy(answer)

    def _own_key(self, chave, kind: str) -> None:
        if chave != self.pix_key:
            raise Problem(
                400,
                kind,
                "Cobrança inválida.",
                "A chave informada não pertence ao usuário recebedor.",
                [{"razao": "Chave não pertence ao recebedor.", "propriedade": "chave"}],
            )

    # --- received PIX -------------------------------------------------------------------
    def list_pix(self, inicio: str, fim: str, page: int, per_page: int) -> tuple[int, dict]:
        start, end = parse_instant(inicio), parse_instant(fim)
        with self.lock:
            found = sorted(
                (p for p in self.pix.values() if start <= parse_instant(p["horario"]) <= end),
                key=lambda p: p["horario"],
            )
            pages = max(1, -(-len(found) // per_page))
            chunk = found[page * per_page : (page + 1) * per_page]
            return 200, {
                "parametros": {
                    "inicio": inicio,
                    "fim": fim,
                    "paginacao": {
                        "paginaAtual": page,
                        "itensPorPagina": per_page,
                        "quantidadeDePaginas": pages,
                        "quantidadeTotalDeItens": len(found),
                    },
                },
                "pix": _copy(chunk),
            }

    def get_pix(self, e2eid: str) -> tuple[int, dict]:
        with self.lock:
            return 200, _copy(self._pix(e2eid))

    def _pix(self, e2eid: str) -> dict:
        record = self.pix.get(e2eid)
        if record is None:
            raise not_found("Pix")
        return record

    def put_devolucao(self, e2eid: str, refund_id: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            record = self._pix(e2eid)
            refunds = record.setdefault("devolucoes", [])
            if any(r["id"] == refund_id for r in refunds):
                raise Problem(
                    400, "DevolucaoInvalida", "Devolução inválida.", "id de devolução já utilizado"
                )
            asked = Decimal(body["valor"])
            refunded = sum((Decimal(r["valor"]) for r in refunds), Decimal(0))
            if asked <= 0 or asked + refunded > Decimal(record["valor"]):
                raise Problem(
                    400,
                    "DevolucaoInvalida",
                    "Devolução inválida.",
                    "O valor da devolução excede o valor do Pix.",
                )
            refund = self._refund(refund_id, asked, "EM_PROCESSAMENTO")
            refunds.append(refund)
            return 201, _copy(refund)

    def get_devolucao(self, e2eid: str, refund_id: str) -> tuple[int, dict]:
        with self.lock:
            for refund in self._pix(e2eid).get("devolucoes", []):
                if refund["id"] == refund_id:
                    return 200, _copy(refund)
            raise not_found("Devolução")

    def _refund(self, refund_id: str, amount: Decimal, status: str) -> dict:
        instant = datetime.now(UTC)
        refund = {
            "id": refund_id,
            "rtrId": end_to_end_id(instant, "D"),
            "valor": f"{amount:.2f}",
            "horario": {"solicitacao": now_text(instant)},
            "status": status,
        }
        if status == "DEVOLVIDO":
            refund["horario"]["liquidacao"] = now_text(instant)
        return refund

    # --- Pix Automático -----------------------------------------------------------------
    def post_locrec(self) -> tuple[int, dict]:
        with self.lock:
            loc = {
                "id": next(self._ids),
                "location": f"{self.host}/qr/v2/rec/{uuid.uuid4().hex}",
                "tipo": "rec",
                "criacao": now_text(),
            }
            self.locrecs[loc["id"]] = loc
            return 201, _copy(loc)

    def post_rec(self, body: dict) -> tuple[int, dict]:
        with self.lock:
            created = now_text()
            policy = body.get("politicaRetentativa", "NAO_PERMITE")
            id_rec = f"R{'R' if policy != 'NAO_PERMITE' else 'N'}{ISPB}"
            id_rec += f"{datetime.now(UTC):%Y%m%d}{_random(11)}"
            rec = {
                "idRec": id_rec,
                "vinculo": body["vinculo"],
                "calendario": body["calendario"],
                "politicaRetentativa": policy,
                "recebedor": {
                    "cnpj": RECEIVER["cnpj"],
                    "nome": RECEIVER["nome"],
                    "ispbParticipante": ISPB,
                },
                "status": "CRIADA",
                "atualizacao": [{"status": "CRIADA", "data": created}],
            }
            if "valor" in body:
                rec["valor"] = body["valor"]
            if "loc" in body:
                loc = self.locrecs.get(body["loc"])
                if loc is None or loc.get("idRec"):
                    raise Problem(
                        400,
                        "RecOperacaoInvalida",
                        "Recorrência inválida.",
                        "O location referenciado por `rec.loc` inexiste ou já está em uso.",
                    )
                loc["idRec"] = id_rec
                rec["loc"] = _copy(loc)
            if "ativacao" in body:
                journey = "JORNADA_3" if body["ativacao"].get("dadosJornada") else "JORNADA_2"
                rec["ativacao"] = {"tipoJornada": journey, **_copy(body["ativacao"])}
            self.recs[id_rec] = rec
            return 201, _copy(rec)

    def get_rec(self, id_rec: str) -> tuple[int, dict]:
        with self.lock:
            return 200, _copy(self._rec(id_rec))

    def patch_rec(self, id_rec: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            rec = self._rec(id_rec)
            if rec["status"] in ("CANCELADA", "EXPIRADA", "REJEITADA"):
                raise Problem(
                    400,
                    "RecOperacaoInvalida",
                    "Recorrência inválida.",
                    f"A recorrência está {rec['status']} e não pode ser alterada.",
                )
            _merge(rec, body)
            if "status" in body:
                rec["atualizacao"].append({"status": body["status"], "data": now_text()})
            return 200, _copy(rec)

    def _rec(self, id_rec: str) -> dict:
        rec = self.recs.get(id_rec)
        if rec is None:
            raise not_found("Recorrência")
        return rec

    def put_cobr(self, txid: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            if txid in self.cobrs:
                raise Problem(
                    400, "CobROperacaoInvalida", "Cobrança inválida.", "txid já utilizado"
                )
            rec = self.recs.get(body["idRec"])
            if rec is None or rec["status"] != "APROVADA":
                raise Problem(
                    400,
                    "CobROperacaoInvalida",
                    "Cobrança inválida.",
                    "A recorrência não existe ou não está aprovada.",
                )
            due = date.fromisoformat(body["calendario"]["dataDeVencimento"])
            ahead = (due - self.today()).days
            if not WINDOW_DAYS[0] <= ahead <= WINDOW_DAYS[1]:
                self.window_violations += 1
                raise Problem(
                    400,
                    "CobROperacaoInvalida",
                    "Cobrança inválida.",
                    f"A data de vencimento deve estar entre {WINDOW_DAYS[0]} e {WINDOW_DAYS[1]} "
                    f"dias após o envio (está a {ahead}).",
                    [
                        {
                            "razao": "Data de vencimento fora da janela permitida.",
                            "propriedade": "cobr.calendario.dataDeVencimento",
                        }
                    ],
                )
            created = now_text()
            cobr = {
                "idRec": body["idRec"],
                "txid": txid,
                "calendario": {
                    "criacao": self.today().isoformat(),
                    "dataDeVencimento": due.isoformat(),
                },
                "valor": body["valor"],
                "ajusteDiaUtil": body["ajusteDiaUtil"],
                "politicaRetentativa": rec["politicaRetentativa"],
                "recebedor": {**_copy(body["recebedor"]), "cnpj": RECEIVER["cnpj"]},
                "status": "CRIADA",
                "atualizacao": [{"status": "CRIADA", "data": created}],
            }
            cobr["recebedor"].setdefault("nome", RECEIVER["nome"])
            for optional in ("devedor", "infoAdicional"):
                if optional in body:
                    cobr[optional] = body[optional]
            self.cobrs[txid] = cobr
            return 201, _copy(cobr)

    def get_cobr(self, txid: str) -> tuple[int, dict]:
        with self.lock:
            return 200, _copy(self._cobr(txid))

    def patch_cobr(self, txid: str, body: dict) -> tuple[int, dict]:
        with self.lock:
            cobr = self._cobr(txid)
            if cobr["status"] not in ("CRIADA", "ATIVA"):
                raise Problem(
                    400,
                    "CobROperacaoInvalida",
                    "Cobrança inválida.",
                    f"A cobrança está {cobr['status']} e não pode ser alterada.",
                )
            _merge(cobr, body)
            if "status" in body:
                cobr["atualizacao"].append({"status": body["status"], "data": now_text()})
            return 200, _copy(cobr)

    def _cobr(self, txid: str) -> dict:
        cobr = self.cobrs.get(txid)
        if cobr is None:
            raise not_found("Cobrança recorrente")
        return cobr

    # --- simulations --------------------------------------------------------------------
    def pay(self, txid: str | None, amount=None, when: datetime | None = None) -> dict:
        """A payer pays a charge (or sends a PIX with a txid no charge has): the Pix + webhook."""
        with self.lock:
            charge = (self.charges.get(txid) or self.cobs.get(txid)) if txid else None
            if amount is None:
                if charge is None:
                    raise ValueError("an amount is needed for a PIX without a charge")
                amount = Decimal(charge["valor"]["original"])
            instant = (when or datetime.now(UTC)).astimezone(UTC)
            record = {
                "endToEndId": end_to_end_id(instant),
                "txid": txid,
                "valor": f"{Decimal(amount):.2f}",
                "chave": self.pix_key,
                "horario": now_text(instant),
                "infoPagador": "Pagamento de teste",
            }
            self.pix[record["endToEndId"]] = record
            if charge is not None:
                charge.setdefault("pix", []).append(record["endToEndId"])
                paid = sum((Decimal(self.pix[e]["valor"]) for e in charge["pix"]), Decimal(0))
                if charge["status"] == "ATIVA" and paid >= Decimal(charge["valor"]["original"]):
                    charge["status"] = "CONCLUIDA"
            answer = _copy(record)
        self._deliver("pix", {"pix": [answer]}, self.pix_key)
        return answer

    def pay_unknown(self, amount) -> dict:
        return self.pay("X" + _random(31), amount)

    def refund(self, e2eid: str, amount) -> dict:
        """A devolução settled (DEVOLVIDO); the Pix is delivered again, as the spec says."""
        with self.lock:
            record = self._pix(e2eid)
            refunds = record.setdefault("devolucoes", [])
            refund = self._refund(f"D{len(refunds) + 1}{_random(8)}", Decimal(amount), "DEVOLVIDO")
            refunds.append(refund)
            answer = _copy(record)
        self._deliver("pix", {"pix": [answer]}, self.pix_key)
        return _copy(refund)

    def settle_refund(self, e2eid: str, refund_id: str, done: bool = True) -> dict:
        """A devolução asked through the API reaches its final status (DEVOLVIDO, or
        NAO_REALIZADO); the Pix is delivered again, as the spec says."""
        with self.lock:
            record = self._pix(e2eid)
            (refund,) = [r for r in record.get("devolucoes", []) if r["id"] == refund_id]
            refund["status"] = "DEVOLVIDO" if done else "NAO_REALIZADO"
            if done:
                refund["horario"]["liquidacao"] = now_text()
            answer = _copy(record)
        self._deliver("pix", {"pix": [answer]}, self.pix_key)
        return _copy(refund)

    def set_rec_status(self, id_rec: str, status: str) -> dict:
        with self.lock:
            rec = self._rec(id_rec)
            rec["status"] = status
            if status == "APROVADA":
                payer = rec["vinculo"]["devedor"]
                document = {k: payer[k] for k in ("cpf", "cnpj") if k in payer}
                rec["pagador"] = {"ispbParticipante": "00000000", **document}
            rec["atualizacao"].append({"status": status, "data": now_text()})
            notice = {k: _copy(rec[k]) for k in ("idRec", "status", "atualizacao")}
            if "ativacao" in rec:
                notice["ativacao"] = _copy(rec["ativacao"])
        self._deliver("rec", {"recs": [notice]})
        return _copy(rec)

    def settle_cobr(self, txid: str, paid: bool = True, failed_status: str = "REJEITADA") -> dict:
        """The due date's debit: CONCLUIDA, or (not paid) REJEITADA or EXPIRADA; webhookcobr.

        The document's CobRStatus has no NAO_REALIZADA: a debit that did not happen ends REJEITADA
        (the payer's PSP refused it) or EXPIRADA (no retry left)."""
        if failed_status not in ("REJEITADA", "EXPIRADA"):
            raise ValueError("a failed cobr ends REJEITADA or EXPIRADA")
        with self.lock:
            cobr = self._cobr(txid)
            instant = datetime.now(UTC)
            status = "CONCLUIDA" if paid else failed_status
            cobr["status"] = status
            cobr["atualizacao"].append({"status": status, "data": now_text(instant)})
            attempt = {
                "dataLiquidacao": cobr["calendario"]["dataDeVencimento"],
                "tipo": "AGND",
                "status": "PAGA" if paid else "REJEITADA",
                "endToEndId": end_to_end_id(instant),
                "atualizacao": [{"status": "SOLICITADA", "data": now_text(instant)}],
            }
            cobr["tentativas"] = [attempt]
            if paid:
                record = {
                    "endToEndId": attempt["endToEndId"],
                    "txid": txid,
                    "valor": cobr["valor"]["original"],
                    "chave": self.pix_key,
                    "horario": now_text(instant),
                }
                self.pix[record["endToEndId"]] = record
            # The notice leaves out the optional `pix` list: the document's PixAutomatico.valor is
            # a string and an object at once, which nothing satisfies; the tentativa carries the
            # endToEndId.
            notice = {
                k: _copy(cobr[k])
                for k in ("idRec", "txid", "status", "atualizacao", "tentativas")
                if k in cobr
            }
        self._deliver("cobr", {"cobsr": [notice]})
        return _copy(cobr)


def _copy(value):
    """A deep copy of plain JSON data (answers never share dicts with the records)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
