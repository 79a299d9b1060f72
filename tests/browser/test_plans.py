"""Planos [6.1-6.4], a tab of the customer record: subscriptions, their items, the scheduled
tasks and "act now", in the browser."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from models.clock import local_today
from models.db import db
from models.service.radius import RadAcct, RadCheck
from models.service.radius_disconnects import Disconnect
from models.service.scheduled_tasks import DONE, ScheduledTask
from models.service.subscription_changes import reduce_speeds
from models.service.subscriptions import Subscription
from tests.browser.conftest import axe_violations
from tests.builders import (
    build_customer,
    build_login,
    build_open_session,
    build_plan,
    build_subscription,
)
from tests.waiting import wait_until


def _accept_confirmations(page: Page):
    page.on("dialog", lambda dialog: dialog.accept())


def _open(page: Page, sign_in, code: int, role: str = "attendant"):
    sign_in(role)
    page.goto(f"/clientes/{code}/planos")
    expect(page.get_by_role("heading", name="Planos", exact=True)).to_be_visible()


def _on_screen(day) -> str:
    return day.strftime("%d/%m/%Y")


def _today(app):
    with app.app_context():
        return local_today()


def _task_statuses(app, subscription_id: int) -> list[str]:
    with app.app_context():
        found = db.select(ScheduledTask.status).where(
            ScheduledTask.subscription_id == subscription_id
        )
        statuses = list(db.session.scalars(found))
        db.session.remove()
        return statuses


def _situation(page: Page, plan: str):
    section = page.get_by_role("region", name=re.compile(re.escape(plan)))
    return section.locator("dt:text-is('Situação') + dd")


def test_a_plan_is_added_with_a_radius_login_which_is_then_deleted(page: Page, sign_in, app):
    build_plan(app, name="Fibra 300", price="129.90")
    code = build_customer(app, name="Cliente dos Planos")
    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("link", name="Planos").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/planos$"))
    expect(page.get_by_text("Nenhum plano.")).to_be_visible()

    form = page.get_by_role("group", name="Novo plano")
    form.get_by_label("Plano", exact=True).select_option(label="Fibra 300 (R$ 129,90)")
    form.get_by_label("Dia de vencimento").fill("40")
    page.get_by_role("button", name="Incluir plano").click()
    form = page.get_by_role("group", name="Novo plano")
    expect(form.get_by_label("Dia de vencimento")).to_have_accessible_description(re.compile(r"."))
    expect(form.get_by_label("Dia de vencimento")).to_have_value("40")
    form.get_by_label("Dia de vencimento").fill("10")
    form.get_by_label("Desconto").fill("9,90")
    page.get_by_role("button", name="Incluir plano").click()
    expect(page.get_by_role("status")).to_have_text("Plano incluído.")
    section = page.get_by_role("region", name=re.compile("Fibra 300"))
    expect(_situation(page, "Fibra 300")).to_have_text("Ativo")
    expect(section).to_contain_text("R$ 129,90")
    expect(section).to_contain_text("R$ 120,00")
    assert axe_violations(page) == []

    items = page.get_by_role("group", name=re.compile("Novo item do plano Fibra 300"))
    items.get_by_label("Tipo de item").select_option(label="Login RADIUS")
    items.get_by_label("Usuário").fill("cliente.planos")
    items.get_by_label("Senha").fill("s3nha-pppoe")
    section.get_by_role("button", name=re.compile("Incluir item")).click()
    expect(page.get_by_role("status")).to_have_text("Item incluído.")
    row = page.get_by_role("row", name=re.compile("cliente.planos"))
    expect(row).to_contain_text("Login RADIUS")
    assert axe_violations(page) == []

    _accept_confirmations(page)
    row.get_by_role("button", name="Excluir").click()
    expect(page.get_by_role("status")).to_have_text("Item excluído.")
    deleted = page.get_by_role("row", name=re.compile("cliente.planos"))
    expect(deleted).to_contain_text("attendant")  # who deleted it
    expect(deleted).to_contain_text(_on_screen(_today(app)))  # and when
    assert axe_violations(page) == []


def test_a_suspension_scheduled_for_today_is_applied_by_beat_and_a_worker(
    page: Page, sign_in, app, fleet_of
):
    code = build_customer(app)
    plan = build_plan(app, name="Rádio 50")
    subscription = build_subscription(app, customer_code=code, plan_id=plan)
    build_login(app, subscription, "agendado.tela")
    _open(page, sign_in, code)
    expect(page.get_by_text("Nenhuma tarefa programada.")).to_be_visible()

    form = page.get_by_role("group", name="Nova tarefa programada")
    form.get_by_label("Plano", exact=True).select_option(label=f"Rádio 50 nº {subscription}")
    form.get_by_label("Tarefa").select_option(label="Suspender")
    form.get_by_label("Data (dd/mm/aaaa)").fill(_on_screen(_today(app)))
    page.get_by_role("button", name="Agendar tarefa").click()
    expect(page.get_by_role("status")).to_have_text("Tarefa agendada.")
    task = page.get_by_role("row", name=re.compile("Suspender"))
    expect(task).to_contain_text("Pendente")
    expect(_situation(page, "Rádio 50")).to_have_text("Ativo")
    assert axe_violations(page) == []

    # Beat as deployed, sweeping every second, and a worker: the task runs with no one asking.
    fleet = fleet_of(SCHEDULED_TASKS_SWEEP_SECONDS="1")
    fleet.worker("sweeper")
    fleet.beat()
    finished = wait_until(lambda: _task_statuses(app, subscription) == [DONE], timeout=90)
    assert finished, (_task_statuses(app, subscription), fleet.tail())
    page.reload()
    expect(_situation(page, "Rádio 50")).to_have_text("Suspenso (agendada)")
    expect(page.get_by_role("row", name=re.compile("Suspender"))).to_contain_text("Executada")
    expect(page.get_by_role("button", name=re.compile("Habilitar agora"))).to_be_visible()
    assert axe_violations(page) == []


def test_a_pending_task_is_withdrawn_and_a_cancellation_asks_its_reason(page: Page, sign_in, app):
    code = build_customer(app)
    plan = build_plan(app, name="Fibra 500")
    subscription = build_subscription(app, customer_code=code, plan_id=plan)
    _open(page, sign_in, code)
    later = _on_screen(_today(app) + timedelta(days=20))

    form = page.get_by_role("group", name="Nova tarefa programada")
    form.get_by_label("Tarefa").select_option(label="Cancelar")
    form.get_by_label("Data (dd/mm/aaaa)").fill(later)
    page.get_by_role("button", name="Agendar tarefa").click()
    form = page.get_by_role("group", name="Nova tarefa programada")
    expect(form.get_by_label("Motivo (só para cancelar)")).to_have_accessible_description(
        "Escolha o motivo do cancelamento."
    )
    expect(form.get_by_label("Data (dd/mm/aaaa)")).to_have_value(later)
    form.get_by_label("Motivo (só para cancelar)").select_option(label="Outros")
    page.get_by_role("button", name="Agendar tarefa").click()
    expect(page.get_by_role("status")).to_have_text("Tarefa agendada.")
    task = page.get_by_role("row", name=re.compile("Cancelar"))
    expect(task).to_contain_text(f"nº {subscription}")
    expect(task).to_contain_text(later)
    expect(task).to_contain_text("Pendente")
    assert axe_violations(page) == []

    _accept_confirmations(page)
    task.get_by_role("button", name=re.compile("Retirar")).click()
    expect(page.get_by_role("status")).to_have_text("Tarefa retirada.")
    task = page.get_by_role("row", name=re.compile("Cancelar"))
    expect(task).to_contain_text("Retirada")
    expect(task.get_by_role("button")).to_have_count(0)
    assert axe_violations(page) == []


def test_acting_now_asks_first(page: Page, sign_in, app):
    code = build_customer(app)
    plan = build_plan(app, name="Fibra 1000")
    build_subscription(app, customer_code=code, plan_id=plan)
    _open(page, sign_in, code)
    suspend = page.get_by_role("button", name=re.compile("Suspender agora"))

    page.once("dialog", lambda dialog: dialog.dismiss())  # thought better of it: nothing changes
    suspend.click()
    expect(_situation(page, "Fibra 1000")).to_have_text("Ativo")

    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    suspend.click()
    expect(page.get_by_role("status")).to_have_text("Plano suspenso.")
    expect(_situation(page, "Fibra 1000")).to_have_text("Suspenso (pela equipe)")
    assert asked and "Suspender este plano agora?" in asked[0]

    page.get_by_role("button", name=re.compile("Habilitar agora")).click()
    expect(page.get_by_role("status")).to_have_text("Plano habilitado.")
    expect(_situation(page, "Fibra 1000")).to_have_text("Ativo")

    page.get_by_role("button", name=re.compile("Cancelar agora")).click()
    expect(page.get_by_label("Motivo do cancelamento")).to_have_accessible_description(
        "Preencha este campo."
    )
    expect(_situation(page, "Fibra 1000")).to_have_text("Ativo")
    page.get_by_label("Motivo do cancelamento").select_option(label="Outros")
    page.get_by_role("button", name=re.compile("Cancelar agora")).click()
    expect(page.get_by_role("status")).to_have_text("Plano cancelado.")
    expect(_situation(page, "Fibra 1000")).to_have_text("Cancelado: Outros")
    expect(page.get_by_role("button", name=re.compile("agora"))).to_have_count(0)
    assert axe_violations(page) == []


def test_roles_that_only_read_see_no_change_and_are_refused(page: Page, sign_in, app):
    code = build_customer(app)
    plan = build_plan(app, name="Fibra Leitura")
    subscription = build_subscription(app, customer_code=code, plan_id=plan)
    item = build_login(app, subscription, "so.leitura")
    build_open_session(app, "so.leitura")
    for role in ("finance", "technician"):
        _open(page, sign_in, code, role)
        expect(_situation(page, "Fibra Leitura")).to_have_text("Ativo")
        expect(page.get_by_role("row", name=re.compile("so.leitura"))).to_be_visible()
        changes = re.compile("Incluir|Excluir|agora|Agendar|Retirar|Desconectar|Salvar|Alterar")
        expect(page.get_by_role("button", name=changes)).to_have_count(0)
        expect(page.locator("#aba form")).to_have_count(0)
        assert axe_violations(page) == []
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        base = f"/clientes/{code}/planos/{subscription}"
        for url in (
            f"/clientes/{code}/planos",
            f"{base}/itens",
            f"{base}/itens/{item}",
            f"{base}/itens/{item}/excluir",
            f"{base}/condicoes",
            f"{base}/suspender",
            f"{base}/habilitar",
            f"{base}/cancelar",
            f"/clientes/{code}/tarefas",
            f"/clientes/{code}/tarefas/1/retirar",
            f"{base}/itens/{item}/desconectar",
            f"{base}/instalacao",
        ):
            answer = page.request.post(url, form={"csrf_token": token, "plan_id": str(plan)})
            assert answer.status == 403, (role, url)
        page.get_by_role("button", name="Sair").click()
        expect(page.get_by_role("heading", name="Entrar")).to_be_visible()


def test_the_radius_state_of_each_login_and_a_disconnect(page: Page, sign_in, app):
    code = build_customer(app)
    plan = build_plan(app, name="Fibra On-line")
    subscription = build_subscription(app, customer_code=code, plan_id=plan)
    build_login(app, subscription, "na.linha")
    build_login(app, subscription, "fora.linha")
    build_open_session(app, "na.linha", session_id="tela-1")
    with app.app_context():
        db.session.execute(
            db.update(RadAcct)
            .where(RadAcct.acctsessionid == "tela-1")
            .values(framedipaddress="100.64.0.7")
        )
        db.session.commit()
    _open(page, sign_in, code)
    online = page.get_by_role("row", name=re.compile("na\\.linha"))
    expect(online).to_contain_text("Ativo")
    since = re.compile(r"On-line desde \d\d/\d\d/\d{4} \d\d:\d\d, IP 100\.64\.0\.7")
    expect(online).to_contain_text(since)
    offline = page.get_by_role("row", name=re.compile("fora\\.linha"))
    expect(offline).to_contain_text("Fora de linha")
    expect(offline.get_by_role("button", name=re.compile("Desconectar"))).to_have_count(0)
    assert axe_violations(page) == []

    _accept_confirmations(page)
    online.get_by_role("button", name=re.compile("Desconectar")).click()
    asked = "Desconexão de na.linha pedida ao concentrador."
    expect(page.get_by_role("status")).to_have_text(asked)
    with app.app_context():
        owed = db.session.scalars(db.select(Disconnect)).all()
        assert [(d.username, d.cause, d.subscription_id) for d in owed] == [
            ("na.linha", "staff", subscription)
        ]


def test_the_installation_visit_is_scheduled_and_moved(page: Page, sign_in, app, make_user):
    technician = make_user("tecnico.visita", "technician")
    code = build_customer(app)
    plan = build_plan(app, name="Fibra Visita")
    build_subscription(app, customer_code=code, plan_id=plan)
    _open(page, sign_in, code)
    day = _on_screen(_today(app) + timedelta(days=3))

    form = page.get_by_role("group", name=re.compile("Visita de instalação do plano Fibra Visita"))
    form.get_by_label("Data da visita (dd/mm/aaaa)").fill(day)
    form.get_by_label("Período").select_option(label="Janela de horário")
    form.get_by_label("Início da janela (hh:mm)").fill("14:00")
    form.get_by_label("Técnico").select_option(label=technician.full_name or technician.username)
    page.get_by_role("button", name=re.compile("Agendar instalação")).click()
    form = page.get_by_role("group", name=re.compile("Visita de instalação do plano Fibra Visita"))
    expect(form.get_by_label("Fim da janela (hh:mm)")).to_have_accessible_description(
        "Obrigatório numa janela de horário."
    )
    expect(form.get_by_label("Início da janela (hh:mm)")).to_have_value("14:00")
    expect(form.get_by_label("Técnico")).to_have_value(str(technician.id))
    form.get_by_label("Fim da janela (hh:mm)").fill("16:00")
    page.get_by_role("button", name=re.compile("Agendar instalação")).click()
    expect(page.get_by_role("status")).to_have_text("Instalação agendada.")
    expect(page.get_by_text(re.compile(rf"Instalação: {day}, das 14:00 às 16:00"))).to_be_visible()
    assert axe_violations(page) == []

    form = page.get_by_role("group", name=re.compile("Visita de instalação do plano Fibra Visita"))
    form.get_by_label("Período").select_option(label="Manhã")
    form.get_by_label("Início da janela (hh:mm)").fill("")
    form.get_by_label("Fim da janela (hh:mm)").fill("")
    page.get_by_role("button", name=re.compile("Reagendar instalação")).click()
    expect(page.get_by_role("status")).to_have_text("Instalação reagendada.")
    expect(page.get_by_text(re.compile(rf"Instalação: {day}, manhã"))).to_be_visible()


def _radius_password(app, username: str) -> str:
    with app.app_context():
        found = db.select(RadCheck.value).where(
            RadCheck.username == username, RadCheck.attribute == "Cleartext-Password"
        )
        value = db.session.scalar(found)
        db.session.remove()
        return value


def test_the_terms_change_and_a_login_gets_another_password_and_mac(page: Page, sign_in, app):
    code = build_customer(app)
    plan = build_plan(app, name="Fibra 100", price="99.90")
    build_plan(app, name="Fibra 500", price="149.90")
    build_plan(app, name="Hospedagem Web", kind="hosting", price="19.90")
    subscription = build_subscription(app, customer_code=code, plan_id=plan)
    build_login(app, subscription, "troca.senha")
    _open(page, sign_in, code)
    section = page.get_by_role("region", name=re.compile("Fibra 100"))

    section.get_by_text("Alterar condições").click()
    terms = section.get_by_role("group", name=re.compile("Condições do plano Fibra 100"))
    expect(terms.get_by_label("Preço")).to_have_value("99,90")
    plans_offered = terms.get_by_label("Plano", exact=True).locator("option")
    expect(plans_offered).to_have_text(["Fibra 100 (atual)", "Fibra 500 (R$ 149,90)"])
    assert axe_violations(page) == []
    terms.get_by_label("Dia de vencimento").fill("40")
    terms.get_by_label("Desconto").fill("10,00")
    section.get_by_role("button", name=re.compile("Salvar condições")).click()
    terms = page.get_by_role("group", name=re.compile("Condições do plano Fibra 100"))
    expect(terms.get_by_label("Dia de vencimento")).to_have_accessible_description(re.compile("."))
    expect(terms.get_by_label("Desconto")).to_have_value("10,00")  # what was typed, kept
    with app.app_context():
        assert db.session.get(Subscription, subscription).discount == 0
        db.session.remove()

    terms.get_by_label("Dia de vencimento").fill("15")
    terms.get_by_label("Plano", exact=True).select_option(label="Fibra 500 (R$ 149,90)")
    terms.get_by_label("Preço").fill("149,90")
    page.get_by_role("button", name=re.compile("Salvar condições")).click()
    expect(page.get_by_role("status")).to_have_text("Condições do plano alteradas.")
    section = page.get_by_role("region", name=re.compile("Fibra 500"))
    expect(section.locator("dt:text-is('Dia de vencimento') + dd")).to_have_text("15")
    expect(section.locator("dt:text-is('Mensalidade') + dd")).to_have_text("R$ 139,90")

    # The login: a MAC in the wrong shape is refused; a new password reaches RADIUS.
    row = page.get_by_role("row", name=re.compile("troca.senha"))
    row.get_by_text("Alterar").click()
    row.get_by_label("Nova senha de troca.senha").fill("n0va-senha-pppoe")
    row.get_by_label("MAC de troca.senha").fill("não é um MAC")
    row.get_by_role("button", name=re.compile("Salvar")).click()
    row = page.get_by_role("row", name=re.compile("troca.senha"))
    expect(row.get_by_label("MAC de troca.senha")).to_have_accessible_description(re.compile("."))
    assert _radius_password(app, "troca.senha") == "s3nha-pppoe"
    row.get_by_label("Nova senha de troca.senha").fill("n0va-senha-pppoe")
    row.get_by_label("MAC de troca.senha").fill("aa-bb-cc-dd-ee-ff")
    row.get_by_role("button", name=re.compile("Salvar")).click()
    expect(page.get_by_role("status")).to_have_text("Item alterado.")
    assert _radius_password(app, "troca.senha") == "n0va-senha-pppoe"
    row = page.get_by_role("row", name=re.compile("troca.senha"))
    row.get_by_text("Alterar").click()
    expect(row.get_by_label("MAC de troca.senha")).to_have_value(
        re.compile("aa:bb:cc:dd:ee:ff", re.IGNORECASE)
    )
    expect(row.get_by_label("Nova senha de troca.senha")).to_have_value("")  # never shown
    assert axe_violations(page) == []


def test_a_plan_at_reduced_speed_says_so_in_its_situation(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Reduzido")
    plan_id = build_plan(app, name="Fibra Reduzida")
    subscription_id = build_subscription(app, customer_code=code, plan_id=plan_id)
    with app.app_context():
        subscription = db.session.get(Subscription, subscription_id)
        reduce_speeds([subscription], 50)  # as the ladder's stage does
        db.session.commit()
    sign_in("attendant")
    page.goto(f"/clientes/{code}/planos")
    expect(_situation(page, "Fibra Reduzida")).to_contain_text(
        "Ativo, com velocidade reduzida por falta de pagamento desde"
    )
