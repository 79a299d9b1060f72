"""The stand-in PSP itself: as strict as a real PSP, or tests against it prove nothing."""

import hashlib
import json
import re
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from models.billing.pix import crc_is_valid, emv_fields
from models.billing.psp_client import PixApi, PspRejected
from tests.pix_psp import MtlsLiveServer
from tests.pix_psp.conftest import config_for
from tests.pix_psp.validation import request_errors, response_errors

pytestmark = pytest.mark.one_backend

TXID = "Provedor0000000000000000000001"
E2E = re.compile(r"^E\d{8}\d{12}[a-zA-Z0-9]{11}$")


def cobv_body(psp, amount="10.00", due=None):
    return {
        "calendario": {"dataDeVencimento": (due or date.today() + timedelta(days=10)).isoformat()},
        "devedor": {"cpf": "12345678909", "nome": "Fulano de Tal"},
        "valor": {"original": amount},
        "chave": psp.pix_key,
        "solicitacaoPagador": "Mensalidade de internet",
    }


def pem_file(text: str) -> str:
    """requests takes certificates from files: one per PEM, named by its hash, reused."""
    path = Path(tempfile.gettempdir()) / f"pix-psp-{hashlib.sha256(text.encode()).hexdigest()}.pem"
    if not path.exists():
        path.write_text(text)
        path.chmod(0o600)
    return str(path)


def token_for(psp) -> str:
    answer = requests.post(
        psp.token_url,
        data={"grant_type": "client_credentials"},
        auth=(psp.client_id, psp.client_secret),
        cert=pem_file(psp.client_pem),
        verify=pem_file(psp.ca_pem),
        timeout=5,
    )
    return answer.json()["access_token"]


def raw(psp, method, path, token=None, body=None, cert=True):
    """A request without the client, to send what the client never would."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(
        method,
        psp.base_url + path,
        headers=headers,
        data=None if body is None else json.dumps(body),
        cert=pem_file(psp.client_pem) if cert else None,
        verify=pem_file(psp.ca_pem),
        timeout=5,
    )


# --- mutual TLS, OAuth2, the document ------------------------------------------------------


def test_a_client_without_a_certificate_is_refused_by_tls(psp):
    with pytest.raises(requests.exceptions.ConnectionError):  # SSLError is one
        raw(psp, "GET", f"/cobv/{TXID}", cert=False)


def test_a_certificate_from_another_ca_is_refused(psp):
    import trustme

    stranger = trustme.CA().issue_cert("intruder").private_key_and_cert_chain_pem.bytes().decode()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(
            psp.base_url + f"/cobv/{TXID}",
            cert=pem_file(stranger),
            verify=pem_file(psp.ca_pem),
            timeout=5,
        )


def test_no_token_a_bad_token_and_bad_credentials_are_401(psp):
    assert raw(psp, "GET", f"/cobv/{TXID}").status_code == 401
    assert raw(psp, "GET", f"/cobv/{TXID}", token="forged").status_code == 401
    answer = requests.post(
        psp.token_url,
        data={"grant_type": "client_credentials"},
        auth=(psp.client_id, "wrong"),
        cert=pem_file(psp.client_pem),
        verify=pem_file(psp.ca_pem),
        timeout=5,
    )
    assert answer.status_code == 401
    assert psp.violations == []


def test_an_expired_token_is_refused(psp):
    token = token_for(psp)
    assert raw(psp, "GET", f"/cobv/{TXID}", token=token).status_code == 404
    psp.expire_tokens()
    assert raw(psp, "GET", f"/cobv/{TXID}", token=token).status_code == 401


def test_a_body_the_document_refuses_is_400_and_recorded(psp):
    token = token_for(psp)
    body = cobv_body(psp)
    body["valor"]["original"] = 10  # a number: the document wants "10.00"
    answer = raw(psp, "PUT", f"/cobv/{TXID}", token=token, body=body)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["title"] == "Requisição inválida."
    assert len(psp.violations) == 1 and "valor/original" in psp.violations[0]
    assert TXID not in psp.charges


def test_a_txid_outside_the_pattern_is_refused(psp):
    token = token_for(psp)
    answer = raw(psp, "PUT", "/cobv/short", token=token, body=cobv_body(psp))
    assert answer.status_code == 400
    assert psp.violations


def test_the_patched_document_checks_a_valid_cpf_and_refuses_a_wrong_one():
    """Fix 4: the published pattern "/^\\d{11}$/" matches no CPF at all."""
    from tests.pix_psp.validation import SpecRequest

    def errors(cpf):
        body = {
            "calendario": {"dataDeVencimento": "2027-01-10"},
            "devedor": {"cpf": cpf, "nome": "Fulano"},
            "valor": {"original": "1.00"},
            "chave": "a@b.example",
        }
        request = SpecRequest("PUT", "/cobv/{txid}", {"txid": TXID}, body=json.dumps(body).encode())
        return request_errors(request)

    assert errors("12345678909") == []
    assert errors("1234567890") != []
    assert response_errors  # imported for the module's API


# --- cobv -----------------------------------------------------------------------------------


def test_cobv_is_created_once_revised_and_its_br_code_is_dynamic(psp, api):
    created = api.put_cobv(TXID, cobv_body(psp))
    assert created["status"] == "ATIVA" and created["revisao"] == 0
    location = created["loc"]["location"]
    assert location == created["location"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+/qr/v2/cobv/[0-9a-f]{32}", location)
    code = created["pixCopiaECola"]
    assert crc_is_valid(code)
    account = emv_fields(emv_fields(code)["26"])
    assert account == {"00": "br.gov.bcb.pix", "25": location}
    assert emv_fields(emv_fields(code)["62"]) == {"05": "***"}

    with pytest.raises(PspRejected, match="txid já utilizado"):
        api.put_cobv(TXID, cobv_body(psp))
    revised = api.patch_cobv(TXID, {"valor": {"original": "12.00"}})
    assert revised["revisao"] == 1 and revised["valor"]["original"] == "12.00"
    removed = api.patch_cobv(TXID, {"status": "REMOVIDA_PELO_USUARIO_RECEBEDOR"})
    assert removed["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR" and removed["revisao"] == 2
    with pytest.raises(PspRejected):
        api.patch_cobv(TXID, {"valor": {"original": "1.00"}})
    assert psp.charges[TXID]["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    assert psp.violations == []


def test_a_cobv_with_another_receivers_key_is_refused(psp, api):
    body = cobv_body(psp)
    body["chave"] = "someone@else.example"
    with pytest.raises(PspRejected) as refused:
        api.put_cobv(TXID, body)
    assert refused.value.problem["violacoes"][0]["propriedade"] == "chave"


def test_paying_a_cobv_concludes_it_and_lists_the_pix(psp, api):
    api.put_cobv(TXID, cobv_body(psp, "30.00"))
    partial = psp.pay(TXID, Decimal("10.00"))
    assert E2E.match(partial["endToEndId"]) and len(partial["endToEndId"]) == 32
    assert api.get_cobv(TXID)["status"] == "ATIVA"
    rest = psp.pay(TXID)  # default: the charge's amount
    assert rest["valor"] == "30.00"
    charge = api.get_cobv(TXID)
    assert charge["status"] == "CONCLUIDA"
    assert [p["endToEndId"] for p in charge["pix"]] == [
        partial["endToEndId"],
        rest["endToEndId"],
    ]
    assert psp.violations == []


def test_get_pix_windows_by_horario_and_pages(psp, api):
    api.put_cobv(TXID, cobv_body(psp))
    base = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    for minutes in (0, 10, 20, 30):
        psp.pay(TXID, Decimal("1.00"), when=base + timedelta(minutes=minutes))
    first = api.list_pix(base, base + timedelta(minutes=25), page=0, per_page=2)
    assert first["parametros"]["paginacao"] == {
        "paginaAtual": 0,
        "itensPorPagina": 2,
        "quantidadeDePaginas": 2,
        "quantidadeTotalDeItens": 3,
    }
    second = api.list_pix(base, base + timedelta(minutes=25), page=1, per_page=2)
    assert len(first["pix"]) == 2 and len(second["pix"]) == 1
    assert second["pix"][0]["horario"] == "2026-12-01T12:20:00.000Z"
    assert psp.violations == []


def test_a_devolucao_is_recorded_and_limited_to_the_pix(psp, api):
    pix = psp.pay_unknown(Decimal("20.00"))
    refund = api.put_devolucao(pix["endToEndId"], "R1", Decimal("5"))
    assert refund["status"] == "EM_PROCESSAMENTO" and refund["valor"] == "5.00"
    assert refund["rtrId"].startswith("D") and len(refund["rtrId"]) == 32
    assert api.get_devolucao(pix["endToEndId"], "R1") == refund
    assert api.get_devolucao(pix["endToEndId"], "R2") is None
    with pytest.raises(PspRejected):
        api.put_devolucao(pix["endToEndId"], "R2", Decimal("15.01"))
    assert api.get_pix(pix["endToEndId"])["devolucoes"] == [refund]
    assert psp.violations == []


# --- Pix Automático -----------------------------------------------------------------------


def rec_body(loc_id):
    return {
        "vinculo": {
            "contrato": "C000123",
            "devedor": {"cpf": "45164632481", "nome": "Fulano de Tal"},
            "objeto": "Internet 500 Mega",
        },
        "calendario": {"dataInicial": "2027-01-10", "periodicidade": "MENSAL"},
        "valor": {"valorRec": "99.90"},
        "politicaRetentativa": "NAO_PERMITE",
        "loc": loc_id,
    }


def cobr_body(id_rec, due: date):
    return {
        "idRec": id_rec,
        "calendario": {"dataDeVencimento": due.isoformat()},
        "valor": {"original": "99.90"},
        "ajusteDiaUtil": True,
        "recebedor": {"agencia": "0001", "conta": "123456", "tipoConta": "CORRENTE"},
    }


def test_a_recurrence_is_created_approved_and_cancelled(psp, api):
    loc = api.post_locrec()
    rec = api.post_rec(rec_body(loc["id"]))
    assert rec["status"] == "CRIADA" and rec["loc"]["location"] == loc["location"]
    assert re.fullmatch(r"RN\d{8}\d{8}[a-zA-Z0-9]{11}", rec["idRec"])
    psp.approve_rec(rec["idRec"])
    assert api.get_rec(rec["idRec"])["status"] == "APROVADA"
    cancelled = api.patch_rec(rec["idRec"], {"status": "CANCELADA"})
    assert cancelled["status"] == "CANCELADA"
    assert api.get_rec("RN0000000020270101aaaaaaaaaaa") is None
    assert psp.violations == []


def test_a_cobr_goes_only_2_to_10_days_before_its_due_date(psp, api):
    rec = api.post_rec(rec_body(api.post_locrec()["id"]))
    with pytest.raises(PspRejected):  # not approved yet
        api.put_cobr(TXID, cobr_body(rec["idRec"], date(2027, 2, 10)))
    psp.approve_rec(rec["idRec"])
    psp.set_today(date(2027, 1, 31))
    assert psp.today() == date(2027, 1, 31)
    for n, due in enumerate([date(2027, 2, 1), date(2027, 2, 11)], start=1):
        with pytest.raises(PspRejected, match="entre 2 e 10 dias"):
            api.put_cobr(f"{TXID[:-1]}{n}", cobr_body(rec["idRec"], due))
        assert psp.window_violations == n
    for n, due in enumerate([date(2027, 2, 2), date(2027, 2, 10)], start=5):
        created = api.put_cobr(f"{TXID[:-1]}{n}", cobr_body(rec["idRec"], due))
        assert created["status"] == "CRIADA"
    assert psp.window_violations == 2
    assert api.get_cobr(f"{TXID[:-1]}5")["calendario"]["dataDeVencimento"] == "2027-02-02"
    assert api.patch_cobr(f"{TXID[:-1]}5", {"status": "CANCELADA"})["status"] == "CANCELADA"
    assert api.get_cobr(f"{TXID[:-1]}9") is None
    assert psp.violations == []


# --- webhooks -------------------------------------------------------------------------------


def test_each_webhook_kind_reaches_the_receiver_over_mutual_tls(psp, api, receiver):
    api.put_webhook(psp.pix_key, receiver.url)
    api.put_webhookrec(receiver.url)
    api.put_webhookcobr(receiver.url)
    api.put_cobv(TXID, cobv_body(psp))

    pix = psp.pay(TXID)
    refund = psp.refund(pix["endToEndId"], Decimal("1.00"))
    rec = api.post_rec(rec_body(api.post_locrec()["id"]))
    psp.approve_rec(rec["idRec"])
    psp.set_today(date(2027, 2, 1))
    api.put_cobr(TXID, cobr_body(rec["idRec"], date(2027, 2, 5)))
    psp.settle_cobr(TXID, paid=False)

    paid, refunded = receiver.bodies("/hook/pix")
    assert paid == {"pix": [pix]}
    assert refunded["pix"][0]["devolucoes"] == [refund] and refund["status"] == "DEVOLVIDO"
    assert receiver.bodies("/hook/rec")[0]["recs"][0]["status"] == "APROVADA"
    assert receiver.bodies("/hook/cobr")[0]["cobsr"][0]["status"] == "REJEITADA"
    assert all(cert and "BEGIN CERTIFICATE" in cert for _p, _b, cert in receiver.received)
    assert [status for _url, status, _s in psp.webhooks.delivered] == [200] * 4
    assert psp.violations == []


def test_inter_mode_delivers_a_bare_array(psp, api, receiver):
    api.put_webhook(psp.pix_key, receiver.url)
    psp.set_inter_mode(True)
    pix = psp.pay_unknown(Decimal("3.00"))
    assert receiver.bodies("/hook/pix") == [[pix]]


def test_the_receiver_refuses_a_client_without_the_psps_certificate(psp, receiver):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(receiver.url + "/pix", json={}, verify=pem_file(psp.ca_pem), timeout=5)


def test_webhook_faults_duplicate_drop_delay_reorder(psp, api, receiver):
    api.put_webhook(psp.pix_key, receiver.url)
    psp.webhooks.duplicate(3)
    first = psp.pay_unknown(Decimal("1.00"))
    assert receiver.bodies("/hook/pix") == [{"pix": [first]}] * 3

    psp.webhooks.reset()
    psp.webhooks.drop(1)
    lost = psp.pay_unknown(Decimal("2.00"))
    assert psp.webhooks.lost == [(receiver.url + "/pix", {"pix": [lost]})]
    assert len(receiver.bodies("/hook/pix")) == 3

    psp.webhooks.delay(0.3)
    late = psp.pay_unknown(Decimal("3.00"))
    assert len(receiver.bodies("/hook/pix")) == 3
    psp.webhooks.join()
    assert receiver.bodies("/hook/pix")[-1] == {"pix": [late]}

    psp.webhooks.reset()
    psp.webhooks.reorder()
    older, newer = psp.pay_unknown(Decimal("4.00")), psp.pay_unknown(Decimal("5.00"))
    assert len(receiver.bodies("/hook/pix")) == 4
    psp.webhooks.flush()
    assert receiver.bodies("/hook/pix")[-2:] == [{"pix": [newer]}, {"pix": [older]}]
    assert all(seconds < 5 for _url, _status, seconds in psp.webhooks.delivered)


def test_a_receiver_that_fails_is_recorded_with_its_status(psp, api, receiver):
    api.put_webhook(psp.pix_key, receiver.url)
    receiver.status = 503
    psp.pay_unknown(Decimal("1.00"))
    assert psp.webhooks.delivered[-1][1] == 503


# --- API faults -----------------------------------------------------------------------------


def test_faults_hit_the_next_matching_calls_only(psp):
    token = token_for(psp)
    psp.fail_next("GET /cobv", "503", times=2)
    psp.fail_next("GET /pix", "500")
    assert raw(psp, "GET", f"/cobv/{TXID}", token=token).status_code == 503
    assert raw(psp, "GET", f"/cobv/{TXID}", token=token).status_code == 503
    assert raw(psp, "GET", f"/cobv/{TXID}", token=token).status_code == 404
    assert raw(psp, "GET", f"/pix/{'E' + '1' * 31}", token=token).status_code == 500
    psp.fail_next("token", "429")
    with pytest.raises(KeyError):
        token_for(psp)  # the 429 answer has no access_token
    assert psp.faults.injected == [
        ("GET /cobv", "503"),
        ("GET /cobv", "503"),
        ("GET /pix", "500"),
        ("token", "429"),
    ]
    assert psp.violations == []


def test_a_timeout_answers_late_and_the_operation_still_happens(psp):
    psp.faults.slow_seconds = 0.6
    psp.fail_next("PUT /cobv", "timeout")
    client = PixApi(config_for(psp, timeout=0.3))
    started = time.monotonic()
    with pytest.raises(Exception, match="timed out"):
        client.put_cobv(TXID, cobv_body(psp))
    assert time.monotonic() - started < 0.6
    deadline = time.monotonic() + 5
    while TXID not in psp.charges and time.monotonic() < deadline:
        time.sleep(0.05)
    assert TXID in psp.charges  # as with a real PSP: retrying must not create a second one
    client.close()


def test_every_operation_is_in_the_document(psp):
    """The stand-in's routes are the document's paths (no invented endpoint)."""
    from tests.pix_psp.server import operations
    from tests.pix_psp.validation import openapi

    paths = openapi().spec / "paths"
    for pattern, method in operations(psp):
        assert (paths / pattern / method.lower()).exists(), (pattern, method)


def test_mtls_live_server_serves_a_flask_app_to_the_psps_deliveries(psp, api):
    """What the lead's tests do with the service's app: the proxy's place in production."""
    from flask import Flask, request

    app = Flask("receiver")
    seen = []

    @app.post("/api/v1/pix/webhook/<account>/pix")
    def pix_webhook(account):
        seen.append((account, request.get_json(), request.environ.get("SSL_CLIENT_CERT")))
        return "", 200

    with MtlsLiveServer(app, psp.ca_pem, psp.service_server_pem) as server:
        api.put_webhook(psp.pix_key, f"{server.url}/api/v1/pix/webhook/7")
        pix = psp.pay_unknown(Decimal("9.99"))
    assert seen[0][:2] == ("7", {"pix": [pix]}) and "BEGIN CERTIFICATE" in seen[0][2]
    assert psp.webhooks.delivered[0][1] == 200
