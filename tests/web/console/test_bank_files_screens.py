"""Cobrança bancária and Contas de cobrança through the test client: the lists page through
?remessas= and ?retornos= (the other kept), a retorno refused whole says its line in Portuguese
and keeps nothing, the same file twice is refused, an account's refusal is said by its field."""

import re
from io import BytesIO

from models.audit import set_actor
from models.billing.remittances import EMPTY, Remittance
from models.clock import local_today
from models.db import db
from tests.builders import BUILDER
from tests.conftest import TEST_PASSWORD
from tests.tasks.billing.test_bank_files import ACCOUNTS, BRADESCO, _retorno

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _signed_in(app, make_user, role: str):
    user = make_user(f"{role}.cobranca", role)
    client = app.test_client()
    token = CSRF.search(client.get("/entrar").get_data(as_text=True)).group(1)
    body = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    assert client.post("/entrar", data=body).status_code == 303
    return client, CSRF_META.search(client.get("/").get_data(as_text=True)).group(1)


def _bradesco(client, admin) -> int:
    created = client.post(ACCOUNTS, json=BRADESCO, headers=admin)
    assert created.status_code == 201, created.json
    return created.json["id"]


def test_the_remessas_page_through_keeping_the_account(app, client, admin, make_user):
    account_id = _bradesco(client, admin)
    with app.app_context():
        set_actor(db.session, BUILDER)
        for _ in range(21):
            db.session.add(
                Remittance(billing_account_id=account_id, status=EMPTY, requested_by="x")
            )
        db.session.commit()
    finance, _ = _signed_in(app, make_user, "finance")
    first = finance.get("/cobranca-bancaria").get_data(as_text=True)  # the default: Bradesco
    assert first.count('<tr id="remessa-') == 20
    assert f"/cobranca-bancaria?remessas=2&amp;retornos=1&amp;conta={account_id}" in first
    second = finance.get(f"/cobranca-bancaria?conta={account_id}&remessas=2").get_data(as_text=True)
    assert second.count('<tr id="remessa-') == 1 and "Página 2 de 2" in second
    assert finance.get("/cobranca-bancaria?remessas=x").status_code == 200  # the first page


def test_a_bad_retorno_is_said_by_its_line_and_the_same_file_twice_is_refused(
    app, client, admin, make_user
):
    account_id = _bradesco(client, admin)
    finance, token = _signed_in(app, make_user, "finance")
    with app.app_context():
        today = local_today()
    content = _retorno([], today)
    url = f"/cobranca-bancaria/{account_id}/retornos"
    bad = content.replace(b"\r\n", b" \r\n", 1)
    refused = finance.post(url, data={"file": (BytesIO(bad), "x.ret"), "csrf_token": token})
    assert refused.status_code == 422
    assert "Linha 1: 401 caracteres; uma linha CNAB tem 240 ou 400." in refused.get_data(
        as_text=True
    )
    assert client.get(f"{ACCOUNTS}/{account_id}/returns", headers=admin).json["total"] == 0

    none = finance.post(url, data={"csrf_token": token})
    assert none.status_code == 422 and "Escolha um arquivo." in none.get_data(as_text=True)

    sent = finance.post(url, data={"file": (BytesIO(content), "r.ret"), "csrf_token": token})
    assert sent.status_code == 303
    again = finance.post(url, data={"file": (BytesIO(content), "r2.ret"), "csrf_token": token})
    assert again.status_code == 409
    assert "Este arquivo já foi importado" in again.get_data(as_text=True)


def test_an_account_refused_by_its_bank_says_so_by_the_field(app, make_user):
    admin_client, token = _signed_in(app, make_user, "admin")
    body = {
        "name": "Sicoob",
        "bank": "756",
        "agency": "4327",
        "account": "417270",
        "agreement": "",
        "wallet": "1",
        "variation": "01",
        "beneficiary_name": "Provedor Exemplo Ltda",
        "cnab_layout": "240",
        "fine_percent": "2,5",
        "active": "true",
        "csrf_token": token,
    }
    answer = admin_client.post("/admin/contas-de-cobranca", data=body)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="erro-agreement">Este banco exige o convênio.' in page
    assert 'value="2,5"' in page  # what was typed stays
    body |= {"agreement": "229385", "fine_percent": "101"}
    answer = admin_client.post("/admin/contas-de-cobranca", data=body)
    assert answer.status_code == 422
    assert 'id="erro-fine_percent">No máximo 100.' in answer.get_data(as_text=True)
    body |= {"fine_percent": "2,00"}
    assert admin_client.post("/admin/contas-de-cobranca", data=body).status_code == 303
