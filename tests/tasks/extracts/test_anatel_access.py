"""Anatel's monthly access report through the API and a real worker: subscriptions created,
suspended and cancelled at instants around two month ends (the clock moved), and the CSV's
counts checked against the same scenario counted here, independently of the app's query."""

import csv
import io
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from models.audit import Actor, set_actor
from models.db import db
from models.fiscal.fiscal_settings import save_settings
from models.service.cancel_reasons import SEEDED
from models.service.subscription_changes import change_status, update_subscription
from tests.builders import build_customer, build_plan, build_subscription
from tests.fiscal_samples import ISSUER_CNPJ
from tests.waiting import wait_until
from tests.web.customer_payloads import address

REPORT = "/api/v1/reports/anatel-access"
SP = ZoneInfo("America/Sao_Paulo")
SAO_PAULO, CAMPINAS = "3550308", "3509502"
REPORTED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 09:00 in São Paulo: November is over
HEADINGS = [
    "CNPJ",
    "ANO",
    "MES",
    "COD_IBGE",
    "TIPO_CLIENTE",
    "TIPO_ATENDIMENTO",
    "TIPO_MEIO",
    "TIPO_PRODUTO",
    "TIPO_TECNOLOGIA",
    "VELOCIDADE",
    "ACESSOS",
]


def local(*parts) -> datetime:
    return datetime(*parts, tzinfo=SP)


@dataclass
class Spec:
    """One subscription of the scenario: when it starts, is suspended, is cancelled."""

    name: str
    created: datetime
    customer: str = "pf"
    plan: str = "fibra"
    suspended: datetime | None = None
    cancelled: datetime | None = None
    city: str | None = None  # installed elsewhere: that address's code
    area: str = "urbano"


SCENARIO = [
    Spec("always", local(2026, 9, 10, 9, 0)),
    Spec("created on October's last minute", local(2026, 10, 31, 23, 59)),
    Spec("created a minute into November", local(2026, 11, 1, 0, 1)),
    Spec(
        "cancelled on October's last minute",
        local(2026, 9, 15),
        cancelled=local(2026, 10, 31, 23, 59),
    ),
    Spec(
        "cancelled a minute into November", local(2026, 9, 15), cancelled=local(2026, 11, 1, 0, 1)
    ),
    Spec("suspended in October", local(2026, 9, 20), suspended=local(2026, 10, 20, 15, 0)),
    Spec(
        "suspended, then cancelled in November",
        local(2026, 9, 20),
        suspended=local(2026, 10, 20),
        cancelled=local(2026, 11, 15),
    ),
    Spec("company on radio, rural", local(2026, 10, 5), customer="pj", plan="radio", area="rural"),
    Spec("company, second access", local(2026, 10, 6), customer="pj", plan="radio", area="rural"),
    Spec("installed in Campinas", local(2026, 10, 7), city=CAMPINAS),
    Spec("voip: not an SCM access", local(2026, 9, 1), plan="voip"),
    Spec("cancelled in September", local(2026, 9, 1), cancelled=local(2026, 9, 30, 12, 0)),
]
PLANS = {
    "fibra": {
        "download_kbps": 300_000,
        "access_medium": "fibra",
        "technology": "FTTH",
        "product": "internet",
        "offer_code": "FIBRA-300",
    },
    "radio": {
        "download_kbps": 512,
        "upload_kbps": 256,
        "access_medium": "radio",
        "technology": "FWA",
        "product": "internet",
    },
}
LINE_OF_PLAN = {
    "fibra": ("fibra", "internet", "FTTH", "300"),
    "radio": ("radio", "internet", "FWA", "0,512"),
}
MONTH_ENDS = {"2026-10": local(2026, 11, 1), "2026-11": local(2026, 12, 1)}


def expected_lines(month: str, scenario=SCENARIO) -> Counter:
    """The scenario counted by its own rules: created before the month's end and not
    cancelled before it (suspended or not); internet plans only."""
    end = MONTH_ENDS[month]
    counted: Counter = Counter()
    for spec in scenario:
        if spec.plan == "voip" or spec.created >= end:
            continue
        if spec.cancelled is not None and spec.cancelled < end:
            continue
        kind = "PJ" if spec.customer == "pj" else "PF"
        key = (spec.city or SAO_PAULO, kind, spec.area.upper(), *LINE_OF_PLAN[spec.plan])
        counted[key] += 1
    return counted


def at(instant: datetime):
    return time_machine.travel(instant, tick=False)


def _as_builder(app):
    set_actor(db.session, Actor(username="test-builder", by_system=True))


def build_scenario(app) -> tuple[dict[str, int], dict[str, int]]:
    """The scenario's rows, each made and changed at its own instant: (subscriptions, plans)."""
    with at(local(2026, 8, 1)):
        plans = {name: build_plan(app, **fields) for name, fields in PLANS.items()}
        plans["voip"] = build_plan(app, kind="voip")
        customers = {
            "pf": build_customer(app, address=address(city_code=SAO_PAULO)),
            "pj": build_customer(app, "PJ", address=address(city_code=SAO_PAULO)),
        }
    events, made = [], {}
    for spec in SCENARIO:
        events.append((spec.created, "create", spec))
        if spec.suspended:
            events.append((spec.suspended, "suspend", spec))
        if spec.cancelled:
            events.append((spec.cancelled, "cancel", spec))
    for instant, action, spec in sorted(events, key=lambda event: event[0]):
        with at(instant):
            if action == "create":
                extra = {}
                if spec.city:
                    extra["installation_address"] = address(city="Campinas", city_code=spec.city)
                made[spec.name] = build_subscription(
                    app,
                    customers[spec.customer],
                    plans[spec.plan],
                    service_area=spec.area,
                    **extra,
                )
                continue
            with app.app_context():
                _as_builder(app)
                reason = SEEDED[0] if action == "cancel" else None
                change_status(made[spec.name], action, reason)
                db.session.commit()
    return made, plans


def configure_cnpj(app) -> None:
    with app.app_context():
        _as_builder(app)
        save_settings({"cnpj": ISSUER_CNPJ}, REPORTED_AT)
        db.session.commit()


def run_report(client, headers, month: str) -> tuple[dict, list[list[str]]]:
    answer = client.post(REPORT, json={"month": month}, headers=headers)
    assert answer.status_code == 202, answer.json
    location = answer.headers["Location"]

    def finished():
        return client.get(location, headers=headers).json["status"] in ("done", "failed")

    assert wait_until(finished, timeout=60), client.get(location, headers=headers).json
    job = client.get(location, headers=headers).json
    assert job["status"] == "done", job
    download = client.get(f"{location}/file", headers=headers)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith(f"anatel_access-{job['id']}.csv")
    return job, list(csv.reader(io.StringIO(download.data.decode("utf-8")), delimiter=";"))


@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
def test_the_counts_are_the_subscriptions_in_force_at_the_month_s_last_instant(
    app, client, headers_for, celery_worker, month
):
    build_scenario(app)
    configure_cnpj(app)
    with time_machine.travel(REPORTED_AT, tick=True):
        finance = headers_for("finance")
        job, rows = run_report(client, finance, month)

    assert rows[0] == HEADINGS
    year, number = month.split("-")
    found: Counter = Counter()
    for row in rows[1:]:
        assert row[:3] == [ISSUER_CNPJ, year, number]
        found[tuple(row[3:10])] += int(row[10])
        assert int(row[10]) > 0
    assert found == expected_lines(month)
    assert sum(found.values()) == {"2026-10": 8, "2026-11": 7}[month]  # the scenario, by hand
    assert job["rows_total"] == job["rows_written"] == len(rows) - 1
    assert job["source"] == "anatel_access" and job["params"]["month"] == month


def test_a_past_month_keeps_what_was_in_force_then_whatever_changed_since(
    app, client, headers_for, celery_worker
):
    made, plans = build_scenario(app)
    configure_cnpj(app)
    moved = "installed in Campinas"
    with at(local(2026, 11, 20, 10, 0)), app.app_context():
        _as_builder(app)  # to the radio plan, rural, at the customer's main address
        changes = {"plan_id": plans["radio"], "service_area": "rural", "installation_address": None}
        update_subscription(made[moved], changes)
        db.session.commit()
    with at(local(2026, 11, 30, 12, 0)), app.app_context():
        _as_builder(app)  # cancelled after October: October still counts it
        change_status(made["always"], "cancel", SEEDED[0])
        db.session.commit()
    with time_machine.travel(REPORTED_AT, tick=True):
        admin = headers_for("admin")  # admins make it too
        _, october = run_report(client, admin, "2026-10")
        _, november = run_report(client, admin, "2026-11")

    def lines(rows) -> Counter:
        return Counter({tuple(row[3:10]): int(row[10]) for row in rows[1:]})

    assert lines(october) == expected_lines("2026-10")  # as it was on 31 October
    now = [
        replace(spec, plan="radio", area="rural", city=None)
        if spec.name == moved
        else replace(spec, cancelled=local(2026, 11, 30, 12, 0))
        if spec.name == "always"
        else spec
        for spec in SCENARIO
    ]
    assert lines(november) == expected_lines("2026-11", now)
    assert sum(lines(november).values()) == 6
