"""The PSP client against the stand-in PSP: every operation, the token cache, each error class."""

import os
import stat
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import trustme

from models.billing.psp_client import (
    PixApi,
    PspError,
    PspRejected,
    PspUnavailable,
    forget_tokens,
)
from tests.pix_psp import PspStandIn
from tests.pix_psp.conftest import config_for as config_of

pytestmark = pytest.mark.one_backend

TXID = "Provedor0000000000000000000042"


@pytest.fixture
def psp():
    forget_tokens()
    with PspStandIn() as stand_in:
        yield stand_in
    forget_tokens()


@pytest.fixture
def api(psp):
    with PixApi(config_of(psp)) as client:
        yield client


def cobv_body(psp, amount="99.90"):
    return {
        "calendario": {
            "dataDeVencimento": (date.today() + timedelta(days=10)).isoformat(),
            "validadeAposVencimento": 30,
        },
        "devedor": {"cnpj": "12345678000195", "nome": "Cliente Empresa Ltda"},
        "valor": {"original": amount, "multa": {"modalidade": 2, "valorPerc": "2.00"}},
        "chave": psp.pix_key,
    }


# --- every operation --------------------------------------------------------------------


def test_cobv_put_get_patch(psp, api):
    created = api.put_cobv(TXID, cobv_body(psp))
    assert created["txid"] == TXID and created["status"] == "ATIVA"
    assert created["loc"]["location"].startswith(psp.host + "/qr/v2/cobv/")
    assert api.get_cobv(TXID)["valor"]["original"] == "99.90"
    assert api.get_cobv("Provedor0000000000000000000043") is None
    assert api.patch_cobv(TXID, {"valor": {"original": "89.90"}})["revisao"] == 1
    assert psp.requests[0] == ("PUT", f"/cobv/{TXID}", cobv_body(psp))
    assert psp.violations == []


def test_pix_list_get_and_devolucao(psp, api):
    api.put_cobv(TXID, cobv_body(psp))
    paid = psp.pay(TXID, when=datetime(2026, 12, 6, 10, 0, 30, tzinfo=UTC))
    # aware datetimes in any zone, sent as RFC 3339 UTC
    brasilia = timezone(timedelta(hours=-3))
    listed = api.list_pix(
        datetime(2026, 12, 6, 7, 0, tzinfo=brasilia), datetime(2026, 12, 6, 7, 1, tzinfo=brasilia)
    )
    assert listed["parametros"]["inicio"] == "2026-12-06T10:00:00Z"
    assert listed["parametros"]["fim"] == "2026-12-06T10:01:00Z"
    assert listed["pix"] == [paid]
    assert (
        api.list_pix(
            datetime(2026, 12, 6, 10, 1, tzinfo=UTC), datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
        )["pix"]
        == []
    )
    with pytest.raises(ValueError):
        api.list_pix(datetime(2026, 12, 6), datetime(2026, 12, 7))  # naive: which zone?
    assert api.get_pix(paid["endToEndId"]) == paid
    assert api.get_pix("E" + "0" * 31) is None

    refund = api.put_devolucao(paid["endToEndId"], "Dev1", Decimal("10.5"))
    assert refund["valor"] == "10.50"
    assert psp.requests[-1] == (
        "PUT",
        f"/pix/{paid['endToEndId']}/devolucao/Dev1",
        {"valor": "10.50"},  # Decimal as the document's string
    )
    assert api.get_devolucao(paid["endToEndId"], "Dev1") == refund
    assert api.get_devolucao(paid["endToEndId"], "Dev2") is None
    assert psp.violations == []


def test_webhook_registrations(psp, api):
    assert api.put_webhook(psp.pix_key, "https://provedor.example/api/v1/pix/webhook/1") is None
    api.put_webhookrec("https://provedor.example/api/v1/pix/webhook/1")
    api.put_webhookcobr("https://provedor.example/api/v1/pix/webhook/1")
    assert psp.webhooks.url_for("pix", psp.pix_key).endswith("/webhook/1/pix")
    assert psp.webhooks.url_for("rec").endswith("/webhook/1/rec")
    assert psp.webhooks.url_for("cobr").endswith("/webhook/1/cobr")
    assert psp.requests[0] == (
        "PUT",
        f"/webhook/{psp.pix_key}",
        {"webhookUrl": "https://provedor.example/api/v1/pix/webhook/1"},
    )
    assert psp.violations == []


def test_pix_automatico_rec_and_cobr(psp, api):
    loc = api.post_locrec()
    rec = api.post_rec(
        {
            "vinculo": {
                "contrato": "C42",
                "devedor": {"cpf": "12345678909", "nome": "Fulano"},
                "objeto": "Internet",
            },
            "calendario": {"dataInicial": "2027-01-10", "periodicidade": "MENSAL"},
            "valor": {"valorRec": "99.90"},
            "politicaRetentativa": "NAO_PERMITE",
            "loc": loc["id"],
            "ativacao": {"dadosJornada": {"txid": TXID}},
        }
    )
    assert rec["status"] == "CRIADA" and rec["ativacao"]["tipoJornada"] == "JORNADA_3"
    psp.approve_rec(rec["idRec"])
    assert api.get_rec(rec["idRec"])["status"] == "APROVADA"
    due = psp.today() + timedelta(days=3)
    cobr = api.put_cobr(
        TXID,
        {
            "idRec": rec["idRec"],
            "calendario": {"dataDeVencimento": due.isoformat()},
            "valor": {"original": "99.90"},
            "ajusteDiaUtil": True,
            "recebedor": {"agencia": "0001", "conta": "123456", "tipoConta": "CORRENTE"},
        },
    )
    assert cobr["status"] == "CRIADA"
    assert api.get_cobr(TXID)["calendario"]["dataDeVencimento"] == due.isoformat()
    assert api.get_cobr("Provedor0000000000000000000099") is None
    assert api.patch_cobr(TXID, {"status": "CANCELADA"})["status"] == "CANCELADA"
    assert api.patch_rec(rec["idRec"], {"status": "CANCELADA"})["status"] == "CANCELADA"
    assert api.get_rec("RN0000000020270101aaaaaaaaaaa") is None
    assert psp.violations == []


# --- the token ------------------------------------------------------------------------------


def test_the_token_is_cached_per_psp_and_client_across_instances(psp, api):
    api.get_cobv(TXID)
    api.get_cobv(TXID)
    with PixApi(config_of(psp)) as another:  # another worker task, same process
        another.get_cobv(TXID)
    assert psp.token_requests == 1


def test_a_token_is_renewed_30_s_before_it_expires(psp):
    psp.token_lifetime = 30  # already inside the margin: each call needs a new one
    with PixApi(config_of(psp)) as client:
        client.get_cobv(TXID)
        client.get_cobv(TXID)
    assert psp.token_requests == 2


def test_a_401_gets_one_fresh_token_and_the_call_is_made_again(psp, api):
    api.put_cobv(TXID, cobv_body(psp))
    psp.expire_tokens()  # the PSP revoked it before its time
    assert api.get_cobv(TXID)["txid"] == TXID
    assert psp.token_requests == 2
    assert [method for method, _path, _body in psp.requests] == ["PUT", "GET", "GET"]


def test_wrong_credentials_are_rejected_not_retried_forever(psp):
    with (
        PixApi(config_of(psp, client_secret="wrong")) as client,
        pytest.raises(PspRejected) as refused,
    ):
        client.get_cobv(TXID)
    assert refused.value.status == 401
    assert psp.token_requests == 1


# --- errors ---------------------------------------------------------------------------------


def test_a_timeout_is_unavailable(psp):
    psp.faults.slow_seconds = 0.6
    psp.fail_next("GET /cobv", "timeout")
    with PixApi(config_of(psp, timeout=0.3)) as client:
        with pytest.raises(PspUnavailable, match="timed out") as failed:
            client.get_cobv(TXID)
        assert failed.value.status is None
        assert client.get_cobv(TXID) is None  # the next call goes through


def test_503_500_and_429_are_unavailable_with_the_problem(psp, api):
    for kind in ("503", "500", "429"):
        psp.fail_next("PUT /cobv", kind)
        with pytest.raises(PspUnavailable) as failed:
            api.put_cobv(TXID, cobv_body(psp))
        assert failed.value.status == int(kind)
        assert failed.value.problem["title"] == "Serviço Indisponível"
    assert TXID not in psp.charges
    assert api.put_cobv(TXID, cobv_body(psp))["status"] == "ATIVA"


def test_a_token_endpoint_failure_is_unavailable(psp, api):
    psp.fail_next("token", "503")
    with pytest.raises(PspUnavailable):
        api.get_cobv(TXID)


def test_a_400_problem_is_rejected_with_its_title_and_detail(psp, api):
    api.put_cobv(TXID, cobv_body(psp))
    with pytest.raises(PspRejected) as refused:
        api.put_cobv(TXID, cobv_body(psp))
    error = refused.value
    assert isinstance(error, PspError) and error.status == 400
    assert str(error) == "Cobrança inválida.: txid já utilizado"
    assert error.problem["type"].endswith("/CobVOperacaoInvalida")


def test_a_long_problem_is_cut_to_300_characters(psp, api):
    body = cobv_body(psp)
    body["valor"]["original"] = 10  # refused by the schema: a long detail
    with pytest.raises(PspRejected) as refused:
        api.put_cobv(TXID, body)
    assert len(str(refused.value)) <= 300
    assert str(refused.value).startswith("Requisição inválida.: ")
    psp.violations.clear()  # sent on purpose


def test_connection_refused_is_unavailable(psp):
    client = PixApi(config_of(psp))
    psp.stop()
    with pytest.raises(PspUnavailable, match="connection failed"):
        client.get_cobv(TXID)
    client.close()


def test_a_server_certificate_from_another_ca_is_a_tls_failure(psp):
    stranger = trustme.CA().cert_pem.bytes().decode()
    with (
        PixApi(config_of(psp, ca_pem=stranger)) as client,
        pytest.raises(PspUnavailable, match="TLS failure"),
    ):
        client.get_cobv(TXID)


# --- the key and the secret -----------------------------------------------------------------


def test_the_key_file_is_private_and_removed_on_close(psp):
    client = PixApi(config_of(psp))
    key_file = client._files[0]
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    client.close()
    assert not os.path.exists(key_file)
    client.close()  # twice is harmless


def test_the_key_file_is_removed_when_the_client_is_collected(psp):
    import gc

    client = PixApi(config_of(psp))
    key_file = client._files[0]
    del client
    gc.collect()
    assert not os.path.exists(key_file)


def test_neither_secret_nor_key_nor_token_appears_in_errors_or_repr(psp, api):
    config = config_of(psp)
    assert psp.client_secret not in repr(config) and "PRIVATE KEY" not in repr(config)
    api.get_cobv(TXID)
    psp.fail_next("GET /cobv", "503")
    with pytest.raises(PspUnavailable) as failed:
        api.get_cobv(TXID)
    text = str(failed.value) + repr(failed.value)
    assert psp.client_secret not in text
    assert not any(token in text for token in psp._tokens)
