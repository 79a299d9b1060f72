"""The IBGE municipality list shipped with the project, and filling in missing codes from the
city and state (the `municipalities fill-codes` command)."""

import csv

from models.audit import Actor, HistoryEntry, set_actor
from models.customers import municipalities
from models.customers.customers import Customer
from models.db import db
from models.fiscal.ibge import uf_of_city_code
from models.service.subscriptions import Subscription
from tests.builders import build_customer, build_subscription
from tests.web.customer_payloads import address


def test_the_list_has_every_municipality_once_each_in_its_code_s_state():
    with municipalities.DATA_FILE.open(encoding="utf-8", newline="") as data:
        rows = list(csv.DictReader(data))
    assert len(rows) == municipalities.count() == 5571  # IBGE's 5,570 and Boa Esperança do Norte
    assert len({row["code"] for row in rows}) == len(rows)
    assert all(uf_of_city_code(row["code"]) == row["uf"] for row in rows)
    assert len({row["uf"] for row in rows}) == 27  # 26 states and the Distrito Federal
    # Published codes, read from IBGE's table by hand.
    assert municipalities.municipality("3550308") == ("São Paulo", "SP")
    assert municipalities.municipality("5300108") == ("Brasília", "DF")
    assert municipalities.municipality("4314902") == ("Porto Alegre", "RS")
    assert municipalities.municipality("3550309") is None


def test_a_name_is_matched_folded_and_within_its_state():
    assert municipalities.codes_for("SAO PAULO", "sp") == ["3550308"]
    assert municipalities.codes_for("santa barbara d\u2019oeste", "SP") == ["3545803"]
    assert municipalities.codes_for("Embu Guaçu", "SP") == ["3515103"]
    assert municipalities.codes_for("São Paulo", "RJ") == []
    assert municipalities.codes_for("Bom Jesus", "PI") == ["2201903"]
    # Five states have a Bom Jesus: the state picks one.
    found = [municipalities.codes_for("bom jesus", uf) for uf in ("PI", "RN", "PB", "SC", "RS")]
    assert found == [["2201903"], ["2401701"], ["2502201"], ["4202537"], ["4302303"]]
    assert municipalities.resolve("Cidade Que Não Existe", "SP") == (None, municipalities.NOT_FOUND)
    assert municipalities.resolve(None, "SP") == (None, municipalities.NOT_FOUND)


def test_the_command_fills_what_one_municipality_names_and_lists_the_rest(app):
    found = build_customer(app, address=address(city="sao  paulo", city_code=None))
    lost = build_customer(app, address=address(city="Atlântida Perdida", city_code=None))
    coded = build_customer(app, address=address(city="Campinas", city_code="3550308"))
    installed = build_subscription(
        app, found, installation_address=address(city="Campinas", city_code=None)
    )

    result = app.test_cli_runner().invoke(args=["municipalities", "fill-codes"])

    assert result.exit_code == 1, result.output
    assert "Filled: 2" in result.output
    assert "Left for staff: 1" in result.output
    assert f"customer {lost}, address: 'Atlântida Perdida'/SP: no municipality" in result.output
    with app.app_context():
        assert db.session.get(Customer, found).address_city_code == "3550308"
        assert db.session.get(Customer, lost).address_city_code is None
        assert db.session.get(Customer, coded).address_city_code == "3550308"  # never replaced
        subscription = db.session.get(Subscription, installed)
        assert subscription.installation_address["city_code"] == "3509502"

    again = app.test_cli_runner().invoke(args=["municipalities", "fill-codes"])
    assert "Filled: 0" in again.output and again.exit_code == 1


def test_a_filled_code_is_in_the_customer_s_history(app):
    code = build_customer(app, address=address(city="Curitiba", state="PR", city_code=None))
    with app.app_context():
        set_actor(db.session, Actor(username="operator", by_system=True))
        report = municipalities.fill_missing_city_codes()
        db.session.commit()
        assert report.filled == 1 and report.left == []
        entry = db.session.scalars(
            db.select(HistoryEntry)
            .where(HistoryEntry.entity == "customers", HistoryEntry.entity_id == str(code))
            .order_by(HistoryEntry.id.desc())
        ).first()
        changes = {c["field"]: (c["old"], c["new"]) for c in entry.changes}
        assert list(changes.values()) == [(None, "4106902")]
