"""The customer's IBGE municipality code (the NFCom's cMun) through the API, and the console's
form, which does not show it, keeping it."""

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import TEST_PASSWORD
from tests.web.api_helpers import assert_envelope
from tests.web.customer_payloads import URL, address, create, pf_payload

SAO_PAULO, RIO = "3550308", "3304557"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_the_address_takes_and_shows_the_city_code(client, admin):
    customer = create(client, admin, pf_payload(address=address(city_code=SAO_PAULO)))
    assert customer["address"]["city_code"] == SAO_PAULO
    shown = client.get(f"{URL}/{customer['code']}", headers=admin).get_json()
    assert shown["address"]["city_code"] == SAO_PAULO


def test_the_city_code_is_optional(client, admin):
    customer = create(client, admin, pf_payload())
    assert customer["address"]["city_code"] is None


@pytest.mark.parametrize("code", ["355030", "35503080", "35a0308", RIO, "9950308"])
def test_a_code_not_of_the_addresss_state_is_a_422(client, admin, code):
    body = pf_payload(address=address(city_code=code))
    refused = assert_envelope(client.post(URL, json=body, headers=admin), 422, "validation_error")
    assert "city_code" in refused["errors"]["address"]


def test_a_patch_sets_the_code_and_checks_it_against_the_stored_state(client, admin):
    code = create(client, admin, pf_payload())["code"]
    changed = client.patch(
        f"{URL}/{code}", json={"address": {"city_code": SAO_PAULO}}, headers=admin
    )
    assert changed.status_code == 200 and changed.get_json()["address"]["city_code"] == SAO_PAULO
    wrong = client.patch(f"{URL}/{code}", json={"address": {"city_code": RIO}}, headers=admin)
    assert "address" in assert_envelope(wrong, 409, "conflict")["errors"]
    both = {"address": {"city_code": RIO, "state": "SP"}}
    refused = client.patch(f"{URL}/{code}", json=both, headers=admin)
    assert_envelope(refused, 422, "validation_error")


def test_moving_to_another_state_without_a_code_drops_the_stale_one(client, admin):
    code = create(client, admin, pf_payload(address=address(city_code=SAO_PAULO)))["code"]
    moved = {"address": {"city": "Rio de Janeiro", "state": "RJ", "cep": "20040-020"}}
    shown = client.patch(f"{URL}/{code}", json=moved, headers=admin).get_json()
    assert shown["address"]["state"] == "RJ" and shown["address"]["city_code"] is None
    same_state = {"address": {"city_code": RIO, "street": "Rua do Ouvidor"}}
    shown = client.patch(f"{URL}/{code}", json=same_state, headers=admin).get_json()
    assert shown["address"]["city_code"] == RIO
    kept = client.patch(f"{URL}/{code}", json={"address": {"number": "50"}}, headers=admin)
    assert kept.get_json()["address"]["city_code"] == RIO


def _console(app, make_user):
    make_user("console.admin", "admin")
    console = app.test_client()
    token = CSRF.search(console.get("/entrar").get_data(as_text=True)).group(1)
    body = {"username": "console.admin", "password": TEST_PASSWORD, "csrf_token": token}
    assert console.post("/entrar", data=body).status_code == 303
    return console


class _Form(HTMLParser):
    """The fields a browser sends back from a page's form: inputs, selected options, text."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("radio", "checkbox"):
            self.fields[name] = attrs.get("value") or ""
        elif tag == "input" and name and "checked" in attrs:
            self.fields[name] = attrs.get("value") or "on"
        elif tag == "select":
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def _form_of(console, code: int) -> dict:
    """The edit form's fields as the browser sends them back."""
    parser = _Form()
    parser.feed(console.get(f"/clientes/{code}/editar").get_data(as_text=True))
    return parser.fields


def test_saving_from_the_console_keeps_the_city_code(app, client, admin, make_user):
    code = create(client, admin, pf_payload(address=address(city_code=SAO_PAULO)))["code"]
    console = _console(app, make_user)
    form = _form_of(console, code)
    assert form["address.street"] == "Avenida Paulista"  # the form read as the browser has it
    form["address.number"] = "1010"
    saved = console.post(f"/clientes/{code}/editar", data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    shown = client.get(f"{URL}/{code}", headers=admin).get_json()["address"]
    assert shown["number"] == "1010" and shown["city_code"] == SAO_PAULO
