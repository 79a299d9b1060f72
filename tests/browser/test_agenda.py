"""Agenda do técnico on a phone: the day's visits as cards, with a tel: link, nothing wider
than the screen; the day and the technician can be changed."""

from datetime import timedelta

from playwright.sync_api import Page, expect

from models.clock import local_today
from tests.browser.conftest import axe_violations
from tests.builders import build_customer, build_plan, build_subscription
from tests.web.api_helpers import API
from tests.web.customer_payloads import address

PHONE = {"width": 390, "height": 844}


def _today(app):
    with app.app_context():
        return local_today()


def _install(client, admin, sub_id: int, technician_id: int, day, **fields):
    body = {"date": day.isoformat(), "period": "morning", "technician_id": technician_id}
    response = client.post(
        f"{API}/subscriptions/{sub_id}/installation", json=body | fields, headers=admin
    )
    assert response.status_code == 201, response.get_json()


def _no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_a_technician_reads_the_day_on_a_phone(app, client, admin, page: Page, sign_in, make_user):
    page.set_viewport_size(PHONE)
    me = sign_in("technician", "tecnico.rua")
    other = make_user("tecnico.outro", "technician")
    day = _today(app)
    plan_id = build_plan(app, name="Fibra 300")
    ana = build_customer(
        app, name="Ana Nogueira Albuquerque de Vasconcelos", phone="(11) 3333-4444",
        mobile="(11) 98765-4321",
    )  # fmt: skip
    street = "Rua Doutor Bernardino de Campos Vasconcelos Albuquerque"
    elsewhere = address(street=street, number="500", complement=None, reference=None)
    sub_id = build_subscription(app, ana, plan_id, installation_address=elsewhere)
    _install(client, admin, sub_id, me.id, day, period="window", starts_at="14:00",
             ends_at="16:00")  # fmt: skip
    joao = build_customer(app, name="João Lima", phone=None, mobile="(21) 99876-5432")
    _install(client, admin, build_subscription(app, joao, plan_id), other.id, day)
    tomorrow = build_customer(app, name="Carla Amanhã")
    _install(client, admin, build_subscription(app, tomorrow, plan_id), me.id,
             day + timedelta(days=1))  # fmt: skip

    page.get_by_role("link", name="Agenda do técnico").click()
    expect(page.get_by_role("heading", name="Agenda do técnico")).to_be_visible()
    expect(page.get_by_label("Data")).to_have_value(f"{day:%d/%m/%Y}")
    cards = page.locator(".cartao")
    expect(cards).to_have_count(1)  # mine, today
    card = cards.first
    expect(card.get_by_role("heading", name="Ana Nogueira Albuquerque")).to_be_visible()
    expect(card).to_contain_text(f"{street}, 500")
    expect(card).to_contain_text("14:00-16:00")
    expect(card).to_contain_text("Fibra 300")
    call = card.get_by_role("link", name="(11) 98765-4321")
    expect(call).to_have_attribute("href", "tel:11987654321")
    expect(card.get_by_role("link", name="(11) 3333-4444")).to_have_attribute(
        "href", "tel:1133334444"
    )
    _no_horizontal_overflow(page)
    assert axe_violations(page) == []

    # Every technician's visits of the day: João's (another technician's) shows too.
    page.get_by_label("Técnico").select_option(label="Todos os técnicos")
    page.get_by_role("button", name="Mostrar").click()
    expect(cards).to_have_count(2)
    expect(page.get_by_role("heading", name="João Lima")).to_be_visible()
    expect(page.get_by_role("link", name="(21) 99876-5432")).to_be_visible()
    _no_horizontal_overflow(page)

    # Tomorrow, mine.
    page.get_by_label("Técnico").select_option(label="tecnico.rua")
    page.get_by_label("Data").fill(f"{day + timedelta(days=1):%d/%m/%Y}")
    page.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_role("heading", name="Carla Amanhã")).to_be_visible()
    expect(cards).to_have_count(1)

    # A day that does not exist is refused next to the field.
    page.get_by_label("Data").fill("31/02/2027")
    page.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_text("Digite uma data como 31/12/2026.")).to_be_visible()
    expect(page.get_by_label("Data")).to_have_value("31/02/2027")
    _no_horizontal_overflow(page)
    assert axe_violations(page) == []


def test_an_attendant_sees_every_technician_s_day_and_an_empty_one(page: Page, sign_in):
    page.set_viewport_size(PHONE)
    sign_in("attendant")
    page.goto("/agenda")
    expect(page.get_by_label("Técnico")).to_have_value("todos")
    expect(page.get_by_text("Nenhuma instalação neste dia.")).to_be_visible()
    _no_horizontal_overflow(page)
    assert axe_violations(page) == []
