"""Administração > Planos with Anatel's attributes and the offer code, through the test client:
chosen from labelled lists (Portuguese labels, the layout's codes stored), refused in
Portuguese next to their field, cleared by leaving them blank."""

import re

from models.db import db
from models.service.plans import Plan
from tests.conftest import TEST_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(app, make_user):
    user = make_user("admin.planos", "admin")
    client = app.test_client()
    token = CSRF.search(client.get("/entrar").get_data(as_text=True)).group(1)
    body = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    assert client.post("/entrar", data=body).status_code == 303
    page = client.get("/admin/planos").get_data(as_text=True)
    return client, CSRF.search(page).group(1)


def _plan(app, name: str) -> Plan:
    with app.app_context():
        plan = db.session.scalar(db.select(Plan).where(Plan.name == name))
        db.session.expunge(plan)
        return plan


def test_an_admin_sets_changes_and_clears_them(app, make_user):
    client, csrf = _signed_in(app, make_user)
    page = client.get("/admin/planos").get_data(as_text=True)
    assert '<label for="novo-plano-meio">Meio de acesso (Anatel)</label>' in page
    assert '<option value="cabo_metalico" >Cabo metálico (par de cobre)</option>' in page
    assert '<label for="novo-plano-oferta">Código da oferta</label>' in page

    form = {
        "csrf_token": csrf,
        "name": "Fibra 500",
        "kind": "internet",
        "price": "149,90",
        "download_kbps": "500000",
        "access_medium": "fibra",
        "technology": "FTTH",
        "product": "internet",
        "offer_code": "F500-2026",
    }
    assert client.post("/admin/planos", data=form).status_code == 303
    plan = _plan(app, "Fibra 500")
    assert (plan.access_medium, plan.technology, plan.product, plan.offer_code) == (
        "fibra",
        "FTTH",
        "internet",
        "F500-2026",
    )
    listed = client.get("/admin/planos").get_data(as_text=True)
    assert "Fibra óptica · FTTH (fibra até a casa)" in listed and "F500-2026" in listed

    edit = client.get(f"/admin/planos/{plan.id}").get_data(as_text=True)
    assert '<option value="FTTH" selected>' in edit
    change = {
        "csrf_token": csrf,
        "name": "Fibra 500",
        "price": "149,90",
        "download_kbps": "500000",
        "access_medium": "radio",
        "technology": "FWA",
        "product": "internet",
        "offer_code": "",
    }
    assert client.post(f"/admin/planos/{plan.id}", data=change).status_code == 303
    plan = _plan(app, "Fibra 500")
    assert (plan.access_medium, plan.technology, plan.offer_code) == ("radio", "FWA", None)


def test_refusals_are_said_in_portuguese_next_to_their_field(app, make_user):
    client, csrf = _signed_in(app, make_user)
    form = {
        "csrf_token": csrf,
        "name": "Rádio 50",
        "kind": "internet",
        "price": "89,90",
        "offer_code": "com espaço",
        "technology": "GPON",
    }
    answer = client.post("/admin/planos", data=form)
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "De 1 a 30 letras, dígitos, . _ / ou -, começando por letra ou dígito." in text
    assert "Escolha uma das opções." in text  # the technology
    assert 'value="com espaço"' in text  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Plan.id))) == 0
