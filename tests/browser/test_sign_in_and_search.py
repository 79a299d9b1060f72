"""Entrar / Sair [1] and Pesquisar Cliente [3] in the browser."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, delay_script
from tests.builders import build_customer, build_login, build_plan, build_subscription


def test_sign_in_lands_on_the_search_with_the_box_focused(page: Page, sign_in):
    sign_in("attendant")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Pesquisar Cliente")).to_be_visible()
    expect(page.get_by_label("Buscar")).to_be_focused()
    assert axe_violations(page) == []


def test_a_wrong_password_says_so_in_portuguese_and_keeps_the_username(page: Page, make_user):
    make_user("bia", "attendant")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/entrar\?next=/"))
    page.get_by_label("Usuário").fill("bia")
    page.get_by_label("Senha").fill("errada")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_have_text("Usuário ou senha incorretos.")
    expect(page.get_by_label("Usuário")).to_have_value("bia")
    assert axe_violations(page) == []


def test_sign_out_ends_the_session(page: Page, sign_in):
    sign_in("attendant")
    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/entrar"))


def test_results_appear_as_you_type_by_name_cpf_and_login(page: Page, sign_in, app):
    silva = build_customer(app, name="Maria Aparecida Silva", cpf="52998224725")
    build_customer(app, name="João Souza")
    plan = build_plan(app)
    subscription = build_subscription(app, silva, plan)
    build_login(app, subscription, username="maria.silva")
    sign_in("attendant")
    box = page.get_by_label("Buscar")
    results = page.locator("#resultados")

    box.fill("silva maria")  # any word order
    expect(results).to_contain_text("para “silva maria”")  # the answer to this term, not the last
    expect(results.get_by_role("link", name="Maria Aparecida Silva")).to_be_visible()
    expect(results.get_by_role("link", name="João Souza")).to_have_count(0)
    expect(results.get_by_role("row").nth(1)).to_contain_text("529.982.247-25")

    box.fill("529.982")
    expect(results).to_contain_text("1 cliente para “529.982”")
    expect(results.get_by_role("link", name="Maria Aparecida Silva")).to_be_visible()

    box.fill("maria.silva")
    expect(results).to_contain_text("1 cliente para “maria.silva”")
    expect(results.get_by_role("link", name="Maria Aparecida Silva")).to_be_visible()

    box.press("ArrowDown")
    expect(results.get_by_role("link", name="Maria Aparecida Silva")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clientes/{silva}$"))
    expect(page.get_by_role("heading", name=re.compile("Maria Aparecida Silva"))).to_be_visible()
    assert axe_violations(page) == []


def test_what_was_typed_before_the_scripts_were_ready_still_gets_its_results(
    page: Page, sign_in, app
):
    build_customer(app, name="Otávio Bernardes Lima")
    sign_in("attendant")
    arrived = delay_script(page, "**/assets/htmx-*.js")  # the attendant types meanwhile
    page.goto("/", wait_until="commit")
    page.get_by_label("Buscar").fill("bernardes")
    expect(page.locator("#resultados")).to_contain_text("1 cliente para “bernardes”")
    expect(page.get_by_role("link", name="Otávio Bernardes Lima")).to_be_visible()
    assert arrived, "htmx was not delayed: the test proves nothing"
