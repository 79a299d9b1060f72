"""Anatel's monthly access report (Coleta de Dados de Acessos, SCM): how many internet accesses
the ISP had in force at the last instant of a month, by municipality, customer kind, area,
medium, technology, product and speed, as the CSV the regulator takes.

An export job (models/extracts/exports.py) like the extracts': `start_report` checks the month
and the ISP's CNPJ and queues it; the worker (tasks/extracts.py) writes the file with
`report_rows` and `write_csv`; staff download it from the export's file route.

An access counts at instant T when its subscription was created before T and was not cancelled
before T: a suspended contract is still in force (docs/OPERATIONS.md, "Anatel: relatório mensal
de acessos"). A cancellation is final (no route takes a subscription out of `cancelled`), so the
instant it happened is the row's `status_changed_at`. The plan, the installation address and
the area are read as they were at that instant: a change since is undone through the history.
"""

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import or_

from models.audit import HistoryEntry
from models.clock import local_midnight, local_today, utcnow
from models.customers import municipalities
from models.customers.customers import Customer
from models.db import db
from models.effects import after_commit
from models.errors import Conflict, Invalid
from models.extracts import exports
from models.fiscal.fiscal_settings import fiscal_settings
from models.service.plans import Plan
from models.service.subscriptions import CANCELLED, Subscription
from models.staff.users import User

SOURCE = "anatel_access"
# The layout's columns, in its order (docs/OPERATIONS.md says where they come from).
HEADINGS = (
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
)
DELIMITER = ";"
MONTH_SHAPE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR = 2000
# A subscription's fields the report reads as they were at the month's end.
AS_OF = ("plan_id", "installation_address", "service_area")
# What keeps an access out of the file, as the missing-data list says it (pt-BR).
NO_CITY_CODE = "endereço de instalação sem código IBGE do município"
UNKNOWN_CITY_CODE = "código IBGE do município fora da lista do IBGE"
PLAN_GAPS = {
    "access_medium": "plano sem meio de acesso",
    "technology": "plano sem tecnologia",
    "product": "plano sem produto",
    "download_kbps": "plano sem velocidade de download",
}


def month_end(month: str) -> datetime:
    """The instant (UTC) the ISP's month `month` (YYYY-MM) ends: the next month's first
    midnight where the ISP is. A 422 for another shape or a month not over yet."""
    shape = MONTH_SHAPE.match(month or "")
    if not shape or int(shape.group(1)) < FIRST_YEAR:
        raise Invalid.field("month", f"A month as YYYY-MM, from {FIRST_YEAR}.")
    year, number = int(shape.group(1)), int(shape.group(2))
    first = date(year, number, 1)
    if first > local_today().replace(day=1):
        raise Invalid.field("month", "Is in the future.")
    following = date(year + number // 12, number % 12 + 1, 1)
    end = local_midnight(following)
    if end > utcnow():
        raise Invalid.field("month", "Is not over yet: the report counts the month's last instant.")
    return end


def isp_cnpj() -> str:
    """The ISP's CNPJ, from the fiscal settings; a 409 while none is configured."""
    cnpj = fiscal_settings().cnpj
    if not cnpj:
        raise Conflict(
            "The ISP's CNPJ is not configured: an admin sets it in the fiscal settings "
            "(PUT /api/v1/fiscal/settings) before the report can be made."
        )
    return cnpj


def in_force_at(end: datetime):
    """The internet subscriptions whose contract was in force at the instant before `end`,
    with their customer's kind and main address's IBGE code."""
    cancelled_at = db.func.coalesce(Subscription.status_changed_at, Subscription.updated_at)
    return (
        db.select(Subscription, Customer.kind, Customer.address_city_code)
        .join(Customer, Customer.code == Subscription.customer_code)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(
            Plan.kind == "internet",
            Subscription.created_at < end,
            or_(Subscription.status != CANCELLED, cancelled_at >= end),
        )
        .order_by(Subscription.id)
    )


def changed_since(end: datetime) -> dict[int, dict]:
    """Per subscription, the value at `end` of each field in AS_OF that changed after it: the
    old value of its first change since (the history records every change, field by field)."""
    entries = db.session.execute(
        db.select(HistoryEntry.entity_id, HistoryEntry.changes)
        .where(
            HistoryEntry.entity == Subscription.__tablename__,
            HistoryEntry.action == "update",
            HistoryEntry.at >= end,
        )
        .order_by(HistoryEntry.id)
    )
    before: dict[int, dict] = {}
    for entity_id, changes in entries:
        kept = before.setdefault(int(entity_id), {})
        for change in changes:
            if change["field"] in AS_OF and change["field"] not in kept:
                kept[change["field"]] = change["old"]
    return before


@dataclass(frozen=True)
class Access:
    """One access as it was at the month's end."""

    subscription_id: int
    customer_code: int
    customer_kind: str
    plan: Plan
    city_code: str | None
    area: str

    def gaps(self) -> list[str]:
        """What keeps it out of the file (pt-BR), or nothing."""
        problems = [text for name, text in PLAN_GAPS.items() if getattr(self.plan, name) is None]
        if not self.city_code:
            problems.append(NO_CITY_CODE)
        elif municipalities.municipality(self.city_code) is None:
            problems.append(UNKNOWN_CITY_CODE)
        return problems


def accesses_at(end: datetime) -> Iterator[Access]:
    """The accesses in force at `end`, each with its plan, installation address and area as
    they were then (changes since are undone through the history)."""
    plans = {plan.id: plan for plan in db.session.scalars(db.select(Plan))}
    earlier = changed_since(end)
    rows = db.session.execute(in_force_at(end).execution_options(yield_per=1000))
    for subscription, kind, customer_city in rows:
        then = earlier.get(subscription.id, {})
        plan = plans[then.get("plan_id", subscription.plan_id)]
        installed = then.get("installation_address", subscription.installation_address)
        city_code = installed.get("city_code") if installed else customer_city
        yield Access(
            subscription_id=subscription.id,
            customer_code=subscription.customer_code,
            customer_kind=kind,
            plan=plan,
            city_code=city_code or None,
            area=then.get("service_area", subscription.service_area),
        )


def speed_mbps(kbps: int) -> str:
    """The contracted download speed in Mbit/s as the layout writes a number: 300, 0,512."""
    mbps = (Decimal(kbps) / 1000).normalize()
    return f"{mbps:f}".replace(".", ",")


def report_rows(month: str, cnpj: str, end: datetime) -> list[tuple]:
    """The file's data lines: one per combination, with its count of accesses, in order.

    An access with a gap (Access.gaps) has no line to go in: `start_report` refuses the month
    while there is one; here it is left out, never guessed."""
    year, number = month.split("-")
    counts: Counter = Counter()
    for access in accesses_at(end):
        if access.gaps():
            continue
        plan = access.plan
        key = (
            access.city_code,
            access.customer_kind,
            access.area.upper(),
            plan.access_medium,
            plan.product,
            plan.technology,
            speed_mbps(plan.download_kbps),
        )
        counts[key] += 1
    return [(cnpj, year, number, *key, count) for key, count in sorted(counts.items())]


def missing_data(end: datetime | None, page: int, per_page: int) -> tuple[list[dict], int]:
    """The accesses in force at `end` (default: now) that the report cannot place, each with
    what is missing, by subscription; and how many there are."""
    problems = []
    for access in accesses_at(end or utcnow()):
        gaps = access.gaps()
        if gaps:
            problems.append(
                {
                    "subscription_id": access.subscription_id,
                    "customer_code": access.customer_code,
                    "plan_id": access.plan.id,
                    "plan": access.plan.name,
                    "customer_kind": access.customer_kind,
                    "city_code": access.city_code,
                    "problems": gaps,
                }
            )
    start = (page - 1) * per_page
    return problems[start : start + per_page], len(problems)


def start_report(month: str, user: User) -> exports.Export:
    """Queue the month's report as `user`'s export job; the worker writes it after the commit.

    422 for a malformed, future or unfinished month; 409 without the ISP's CNPJ, or while
    accesses in force at the month's end lack data the file needs (listed by missing-data)."""
    end = month_end(month)
    cnpj = isp_cnpj()
    _, lacking = missing_data(end, 1, 1)
    if lacking:
        raise Conflict(
            f"{lacking} access(es) in force at the end of {month} lack data the report needs "
            "(IBGE municipality, or the plan's medium, technology, product or speed): see "
            f"GET /api/v1/reports/anatel-access/missing-data?month={month}."
        )
    exports.check_running_limit(user)
    year, number = month.split("-")
    export = exports.Export(
        user_id=user.id,
        requested_by=user.username,
        source=SOURCE,
        format="csv",
        params={
            "month": month,
            "cnpj": cnpj,
            "end": end.isoformat(),
            "title": f"Acessos SCM (Anatel) {number}/{year}",
        },
        status=exports.QUEUED,
    )
    db.session.add(export)
    db.session.flush()
    after_commit(exports.RUN_TASK, export.id, requested_by=user.id)
    return export


def rows_of(export: exports.Export) -> list[tuple]:
    """The data lines of a queued report, from its stored parameters."""
    params = export.params
    return report_rows(params["month"], params["cnpj"], datetime.fromisoformat(params["end"]))


def write_csv(path: Path, rows: list[tuple], on_progress: Callable[[int], None]) -> int:
    """The file: the headings, then the lines, ';' between fields, UTF-8, CRLF line ends."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
        writer.writerow(HEADINGS)
        for written, row in enumerate(rows, start=1):
            writer.writerow(row)
            on_progress(written)
    return len(rows)
