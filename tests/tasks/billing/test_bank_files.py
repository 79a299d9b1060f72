"""Remessas and retornos through the API, on the suite's real Celery worker: what a remessa
holds, each boleto registered once, cancellations asked for, an empty remessa taking no number;
a retorno settling receivables once, refused whole when it is not right."""

import json
import threading
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import text

from models.audit import set_actor
from models.billing.bank_returns import (
    MAX_RESUMES,
    _check_amounts,
    import_return,
    resume_stale_returns,
)
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.cnab.return_readers import bradesco_400 as bradesco
from models.billing.cnab.returns import SETTLED, ReturnOccurrence
from models.clock import local_today
from models.db import db
from models.errors import Invalid
from tasks.billing import apply_return, resume_bank_files
from tests.builders import BUILDER, build_receivable
from tests.outbox import recorded_effects
from tests.tasks.billing.test_auto_suspension import debtor, status_changes, subscription, sweep
from tests.tasks.billing.test_equipment_sale import _kill, _start_crash_worker
from tests.waiting import wait_until
from tests.web.api_helpers import API, assert_envelope

# debtor() (test_auto_suspension) builds for the suspension stage alone.
pytestmark = pytest.mark.usefixtures("suspension_stage_alone")

ACCOUNTS = f"{API}/billing-accounts"
BRADESCO = {
    "name": "Bradesco cobrança",
    "bank": "237",
    "agency": "1234",
    "agency_dv": "5",
    "account": "1234567",
    "account_dv": "1",
    "agreement": "123",
    "wallet": "09",
    "beneficiary_name": "Provedor Exemplo Ltda",
    "beneficiary_document": "11.222.333/0001-81",
    "fine_percent": "2.00",
    "interest_percent_month": "1.00",
    "cnab_layout": 400,
    "is_default": True,
}
ITAU_FILE = Path(__file__).parents[2] / "models/billing/cnab/fixtures/CNAB400ITAU.RET"
ACCOUNT = BankAccount("237", "1234", "1234567", "123", "09")


@pytest.fixture
def bradesco_account(client, admin):
    created = client.post(ACCOUNTS, json=BRADESCO, headers=admin)
    assert created.status_code == 201, created.json
    return created.json["id"]


def _issue(app, client, admin, amount: str = "99.90") -> dict:
    receivable_id = build_receivable(app, amount=amount)
    boleto = client.get(f"{API}/receivables/{receivable_id}/boleto", headers=admin)
    assert boleto.status_code == 200, boleto.json
    return boleto.json


def _remittance(client, headers, account_id: int) -> dict:
    asked = client.post(f"{ACCOUNTS}/{account_id}/remittances", json={}, headers=headers)
    assert asked.status_code == 202, asked.json
    url = asked.headers["Location"]

    def written() -> bool:
        return client.get(url, headers=headers).json["status"] != "queued"

    assert wait_until(written, timeout=30)
    return client.get(url, headers=headers).json


def _details(content: bytes) -> list[str]:
    lines = content.decode("ascii").split("\r\n")
    assert lines[-1] == ""  # CRLF after every line
    return [line for line in lines[:-1] if line[0] == "1"]


def test_a_remessa_registers_each_new_boleto_once_and_asks_to_withdraw_a_cancelled_one(
    app, client, admin, headers_for, celery_worker, bradesco_account
):
    finance = headers_for("finance")
    boletos = [_issue(app, client, admin, amount) for amount in ("99.90", "150.00", "10.01")]
    first = _remittance(client, finance, bradesco_account)
    assert (first["status"], first["sequence"], first["entries"]) == ("done", 1, 3)
    assert first["total"] == "259.91" and first["cancellations"] == 0
    download = client.get(
        f"{ACCOUNTS}/{bradesco_account}/remittances/{first['id']}/file", headers=finance
    )
    assert download.status_code == 200
    assert first["file_name"] in download.headers["Content-Disposition"]
    details = _details(download.data)
    assert len(details) == 3 and all(len(line) == 400 for line in details)
    assert [line[108:110] for line in details] == ["01"] * 3  # entrada
    numbers = [line[70:81] for line in details]  # Bradesco's nosso número, 11 digits
    assert numbers == [b["nosso_numero"].split("/")[-1].split("-")[0][-11:] for b in boletos]

    again = _remittance(client, finance, bradesco_account)
    assert (again["status"], again["sequence"]) == ("empty", None)  # took no number

    cancelled = client.post(
        f"{API}/receivables/{boletos[1]['receivable_id']}/cancel",
        json={"reason": "Cobrança indevida"},
        headers=admin,
    )
    assert cancelled.status_code == 200, cancelled.json
    _issue(app, client, admin, "42.00")
    third = _remittance(client, finance, bradesco_account)
    assert (third["sequence"], third["entries"], third["cancellations"]) == (2, 1, 1)
    file = client.get(
        f"{ACCOUNTS}/{bradesco_account}/remittances/{third['id']}/file", headers=finance
    )
    assert sorted(line[108:110] for line in _details(file.data)) == ["01", "02"]
    listed = client.get(f"{ACCOUNTS}/{bradesco_account}/remittances", headers=finance).json
    assert [r["sequence"] for r in listed["items"]] == [2, None, 1]


def test_two_remessas_asked_at_once_hold_each_boleto_once(
    app, client, admin, celery_worker, bradesco_account
):
    for _ in range(4):
        _issue(app, client, admin)
    one = client.post(f"{ACCOUNTS}/{bradesco_account}/remittances", json={}, headers=admin)
    two = client.post(f"{ACCOUNTS}/{bradesco_account}/remittances", json={}, headers=admin)
    for asked in (one, two):
        wait_until(
            lambda url=asked.headers["Location"]: (
                client.get(url, headers=admin).json["status"] != "queued"
            ),
            timeout=30,
        )
    with app.app_context():
        per_boleto = db.session.execute(
            text("SELECT boleto_id, count(*) FROM remittance_items GROUP BY boleto_id")
        ).all()
        sequences = db.session.scalars(
            text("SELECT sequence FROM remittances WHERE sequence IS NOT NULL")
        ).all()
    assert len(per_boleto) == 4 and {count for _, count in per_boleto} == {1}
    assert sequences == [1]


def test_an_account_takes_only_a_layout_its_bank_has_both_files_in(client, admin, bradesco_account):
    changed = client.patch(
        f"{ACCOUNTS}/{bradesco_account}", json={"cnab_layout": 240}, headers=admin
    )
    assert assert_envelope(changed, 422, "validation_error")["errors"] == {
        "cnab_layout": ["This bank's remessa and retorno: CNAB 400."]
    }
    sicoob = {**BRADESCO, "name": "Sicoob", "bank": "756", "agreement": "229385", "wallet": "1",
              "variation": "01", "is_default": False}  # fmt: skip
    refused = client.post(ACCOUNTS, json={**sicoob, "cnab_layout": 400}, headers=admin)
    assert "cnab_layout" in assert_envelope(refused, 422, "validation_error")["errors"]
    assert (
        client.post(ACCOUNTS, json={**sicoob, "cnab_layout": 240}, headers=admin).status_code == 201
    )


@pytest.mark.parametrize(("role", "status"), [("attendant", 403), ("technician", 403)])
def test_only_finance_and_admins_touch_bank_files(
    client, headers_for, bradesco_account, role, status
):
    headers = headers_for(role)
    url = f"{ACCOUNTS}/{bradesco_account}/remittances"
    assert client.post(url, json={}, headers=headers).status_code == status
    assert client.get(url, headers=headers).status_code == status


def test_a_remessa_not_yet_written_has_no_file(app, client, admin, bradesco_account):
    url = f"{ACCOUNTS}/{bradesco_account}/remittances"
    asked = client.post(url, json={}, headers=admin).json  # no worker runs it
    file = client.get(
        f"{ACCOUNTS}/{bradesco_account}/remittances/{asked['id']}/file", headers=admin
    )
    assert file.status_code == 409
    assert (
        client.get(f"{ACCOUNTS}/9999/remittances/{asked['id']}", headers=admin).status_code == 404
    )


def _retorno(details: list[dict], created_on: date, sequence: int = 1) -> bytes:
    """A Bradesco CNAB 400 retorno with these details (nosso número, code, amounts, date),
    written with the reader's own records (the reader is proven against published files in
    tests/models/billing/cnab/test_returns_cnab400.py)."""
    header = bradesco.HEADER.render(
        {
            "record_type": "0",
            "direction": "2",
            "literal": "RETORNO",
            "service": "01",
            "service_name": "COBRANCA",
            "agreement": "00000000000000000123",
            "company_name": "PROVEDOR EXEMPLO",
            "bank": "237",
            "bank_name": "BRADESCO",
            "created_on": created_on,
            "density": "01600000",
            "sequence": f"{sequence:05d}",
            "number": "000001",
        }
    )
    lines = [header]
    for number, detail in enumerate(details, 2):
        nosso = detail["nosso_numero"]
        lines.append(
            bradesco.DETAIL.render(
                {
                    "record_type": "1",
                    "wallet": "009",
                    "nosso_numero": nosso + bradesco_dv(nosso),
                    "code": detail["code"],
                    "occurred_on": detail["on"],
                    "amount": detail["amount"],
                    "paid": detail.get("paid", "0"),
                    "credit_date": detail["on"],
                    "number": f"{number:06d}",
                }
            )
        )
    counted = {
        code: [d for d in details if d["code"] in code] for code in (("02",), ("06",), ("09", "10"))
    }
    lines.append(
        bradesco.TRAILER.render(
            {
                "record_type": "9",
                "direction": "2",
                "service": "01",
                "bank": "237",
                "confirmed_count": len(counted[("02",)]),
                "settled_count": len(counted[("06",)]),
                "written_off_count": len(counted[("09", "10")]),
                "number": f"{len(lines) + 1:06d}",
            }
        )
    )
    return "".join(line + "\r\n" for line in lines).encode("latin-1")


def bradesco_dv(nosso_numero: str) -> str:
    printed = bank_for("237").nosso_numero_with_dv(nosso_numero, ACCOUNT)
    return printed[-1]


def _bank_digits(boleto: dict) -> str:
    return boleto["nosso_numero"].split("/")[-1].split("-")[0][-11:]


def _status(app, receivable_id: int) -> tuple[str, str | None]:
    with app.app_context():
        row = db.session.execute(
            text("SELECT status, paid_amount FROM receivables WHERE id = :r"), {"r": receivable_id}
        ).one()
        return row[0], None if row[1] is None else f"{row[1]:.2f}"


def test_a_retorno_settles_each_receivable_once_and_lists_what_it_cannot_match(
    app, client, admin, headers_for, celery_worker, bradesco_account
):
    finance = headers_for("finance")
    paid, partial, confirmed = (_issue(app, client, admin) for _ in range(3))
    today = _today(app)
    details = [
        {"nosso_numero": _bank_digits(paid), "code": "06", "on": today, "amount": "99.90",
         "paid": "101.90"},
        {"nosso_numero": _bank_digits(partial), "code": "06", "on": today, "amount": "99.90",
         "paid": "50.00"},
        {"nosso_numero": _bank_digits(confirmed), "code": "02", "on": today, "amount": "99.90"},
        {"nosso_numero": "99999999999", "code": "06", "on": today, "amount": "12.34",
         "paid": "12.34"},
    ]  # fmt: skip
    content = _retorno(details, today)
    url = f"{ACCOUNTS}/{bradesco_account}/returns"
    uploaded = client.post(url, data={"file": (BytesIO(content), "CB0612001.RET")}, headers=finance)
    assert uploaded.status_code == 202, uploaded.json
    shown_url = uploaded.headers["Location"]
    assert wait_until(lambda: client.get(shown_url, headers=finance).json["status"] == "done")
    shown = client.get(shown_url, headers=finance).json
    assert shown["occurrences"] == shown["applied"] == 4
    report = shown["report"]
    assert report["by_outcome"] == {"applied": 3, "unknown": 1}
    assert report["by_kind"]["settled"]["count"] == 3
    assert [(u["nosso_numero"], u["paid"]) for u in report["unknown"]] == [("99999999999", "12.34")]
    assert _status(app, paid["receivable_id"]) == ("paid", "101.90")
    assert _status(app, partial["receivable_id"]) == ("partially_paid", "50.00")
    assert _status(app, confirmed["receivable_id"]) == ("open", None)
    with app.app_context():
        states = dict(
            db.session.execute(text("SELECT receivable_id, bank_state FROM boletos")).all()
        )
    assert states[paid["receivable_id"]] == "settled"
    assert states[confirmed["receivable_id"]] == "registered"
    shown = client.get(f"{API}/receivables/{confirmed['receivable_id']}/boleto", headers=finance)
    assert shown.json["bank_state"] == "registered"
    assert shown.json["bank_note"] == "02 Entrada Confirmada"
    assert shown.json["billing_account_id"] == bradesco_account

    again = client.post(url, data={"file": (BytesIO(content), "copia.RET")}, headers=finance)
    assert assert_envelope(again, 409, "conflict")
    unknown = client.get(f"{shown_url}/occurrences?outcome=unknown", headers=finance).json
    assert [item["line"] for item in unknown["items"]] == [5]


def test_the_command_applies_a_retorno_and_a_liquidacao_reported_twice_settles_once(
    app, client, admin, bradesco_account, tmp_path
):
    boleto = _issue(app, client, admin)
    today = _today(app)
    detail = {"nosso_numero": _bank_digits(boleto), "code": "06", "on": today,
              "amount": "99.90", "paid": "40.00"}  # fmt: skip
    runner = app.test_cli_runner()
    reports = []
    with recorded_effects() as sent:
        for sequence in (1, 2):  # the bank sends the same liquidação in two files
            path = tmp_path / f"retorno{sequence}.ret"
            path.write_bytes(_retorno([detail], today, sequence))
            result = runner.invoke(args=["returns", "import", str(path)])
            assert result.exit_code == 0, result.output
            reports.append(json.loads(result.output))
    first_report, second_report = reports
    assert _status(app, boleto["receivable_id"]) == ("partially_paid", "40.00")
    assert second_report["by_outcome"] == {"duplicate": 1}
    assert first_report["by_outcome"] == {"applied": 1}
    lifts = [args for name, args, _ in sent if name == "tasks.suspension.lift_paid_customers"]
    assert len(lifts) == 1  # the suspension lift follows the one payment
    again = runner.invoke(args=["returns", "import", str(tmp_path / "retorno1.ret")])
    assert again.exit_code == 1 and "already imported" in again.output


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda c: c.replace(b"\r\n9", b"\r\nX", 1), "line 3"),
        (lambda c: c.rsplit(b"\r\n", 2)[0] + b"\r\n", "truncated"),
        (lambda c: c.replace(b"\r\n", b" \r\n", 1), "line 1"),
        (lambda c: ITAU_FILE.read_bytes(), "bank 341, not 237"),  # another bank's file
        (lambda c: c.replace(b"00000000000000000123", b"00000000000000000124", 1), "agreement 124"),
    ],
)
def test_a_bad_retorno_is_refused_whole_and_changes_nothing(
    app, client, admin, bradesco_account, damage, reason
):
    boleto = _issue(app, client, admin)
    today = _today(app)
    detail = {"nosso_numero": _bank_digits(boleto), "code": "06", "on": today,
              "amount": "99.90", "paid": "99.90"}  # fmt: skip
    content = damage(_retorno([detail], today))
    refused = client.post(
        f"{ACCOUNTS}/{bradesco_account}/returns",
        data={"file": (BytesIO(content), "x.ret")},
        headers=admin,
    )
    body = assert_envelope(refused, 422, "validation_error")
    assert reason in body["errors"]["file"][0]
    assert _status(app, boleto["receivable_id"]) == ("open", None)
    assert client.get(f"{ACCOUNTS}/{bradesco_account}/returns", headers=admin).json["total"] == 0


def _today(app):
    with app.app_context():
        return local_today()


def _liquidation(boleto: dict, today, paid: str = "99.90") -> dict:
    return {"nosso_numero": _bank_digits(boleto), "code": "06", "on": today,
            "amount": boleto["amount"], "paid": paid}  # fmt: skip


def test_a_liquidacao_lifts_the_suspension_for_non_payment_at_once_on_a_worker(
    app, client, admin, celery_worker, bradesco_account
):
    code, subscription_id, receivable_id = debtor(app, client, admin, logins=("devedor",))
    assert sweep(app)["suspended"] == 1
    boleto = client.get(f"{API}/receivables/{receivable_id}/boleto", headers=admin).json
    content = _retorno([_liquidation(boleto, _today(app))], _today(app))
    uploaded = client.post(
        f"{ACCOUNTS}/{bradesco_account}/returns",
        data={"file": (BytesIO(content), "CB0612.RET")},
        headers=admin,
    )
    assert uploaded.status_code == 202, uploaded.json
    assert wait_until(
        lambda: subscription(client, admin, subscription_id)["status"] == "active", timeout=60
    ), "the liquidação did not lift the suspension"
    lifted = [
        entry
        for entry in status_changes(client, admin, code, subscription_id)
        if {"field": "status", "old": "suspended", "new": "active"} in entry["changes"]
    ]
    assert len(lifted) == 1 and lifted[0]["by_system"] is True
    assert _status(app, receivable_id) == ("paid", "99.90")


@pytest.mark.slow
def test_a_worker_killed_mid_file_then_the_retorno_again_settles_each_payment_once(
    app, settings, client, admin, tmp_path, celery_worker, bradesco_account
):
    boletos = [_issue(app, client, admin) for _ in range(5)]
    today = _today(app)
    content = _retorno([_liquidation(b, today) for b in boletos], today)
    with recorded_effects(), app.app_context():  # its task goes to the crash worker instead
        set_actor(db.session, BUILDER)
        return_id = import_return(bradesco_account, content, "kill.ret").id
        db.session.commit()
    queue, pause, log = "retorno-kill", tmp_path / "pause", tmp_path / "worker.log"
    pause.write_text("after_commit")  # stop for good once the first chunk has committed
    worker = _start_crash_worker(settings, queue, pause, log)
    try:
        apply_return.apply_async([return_id], {"chunk": 2}, queue=queue)
        paused = wait_until(lambda: pause.read_text().startswith("paused"), timeout=90)
        assert paused, log.read_text()[-3000:]
    finally:
        _kill(worker)
    with app.app_context():
        applied = db.session.scalar(text("SELECT applied FROM return_files"))
    assert applied == 2  # the first chunk is kept, the rest not yet done
    paid = [_status(app, b["receivable_id"])[0] for b in boletos]
    assert paid == ["paid", "paid", "open", "open", "open"]

    assert resume_bank_files(older_than_seconds=0) == 1  # beat's sweep finds it
    apply_return.delay(return_id, chunk=2)  # and a duplicate, as a redelivery would be
    done = "SELECT status FROM return_files"
    assert wait_until(lambda: _sql(app, done) == [("done",)], timeout=60)
    assert [_status(app, b["receivable_id"]) for b in boletos] == [("paid", "99.90")] * 5
    per_line = _sql(app, "SELECT line, count(*) FROM return_occurrences GROUP BY line")
    assert sorted(per_line) == [(line, 1) for line in range(2, 7)]


def _sql(app, query: str) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(query))]


def test_two_retornos_with_the_same_liquidacao_imported_at_once_settle_it_once(
    app, client, admin, celery_worker, bradesco_account
):
    boletos = [_issue(app, client, admin) for _ in range(3)]
    today = _today(app)
    details = [_liquidation(b, today, paid="30.00") for b in boletos]
    urls = []
    for sequence in (1, 2):  # overlapping files: the bank sent the day's retorno twice
        uploaded = client.post(
            f"{ACCOUNTS}/{bradesco_account}/returns",
            data={"file": (BytesIO(_retorno(details, today, sequence)), f"r{sequence}.ret")},
            headers=admin,
        )
        assert uploaded.status_code == 202, uploaded.json
        urls.append(uploaded.headers["Location"])
    for url in urls:
        assert wait_until(lambda url=url: client.get(url, headers=admin).json["status"] == "done")
    outcomes = [client.get(url, headers=admin).json["report"]["by_outcome"] for url in urls]
    assert sum(o.get("applied", 0) for o in outcomes) == 3  # each payment once, whichever file
    assert sum(o.get("duplicate", 0) for o in outcomes) == 3
    assert [_status(app, b["receivable_id"]) for b in boletos] == [("partially_paid", "30.00")] * 3


def test_a_remessa_lists_what_it_holds_and_sends_an_entrada_again_only_on_purpose(
    app, client, admin, celery_worker, bradesco_account
):
    boletos = [_issue(app, client, admin) for _ in range(2)]
    first = _remittance(client, admin, bradesco_account)
    items_url = f"{ACCOUNTS}/{bradesco_account}/remittances/{first['id']}/items"
    held = client.get(items_url, headers=admin).json
    assert held["total"] == 2
    assert [(i["receivable_id"], i["occurrence"], i["resent"]) for i in held["items"]] == [
        (b["receivable_id"], "entry", False) for b in boletos
    ]
    boleto_id = held["items"][0]["boleto_id"]
    url = f"{ACCOUNTS}/{bradesco_account}/remittances"
    asked = client.post(url, json={"resend": [boleto_id]}, headers=admin)
    assert asked.status_code == 202, asked.json
    assert wait_until(
        lambda: client.get(asked.headers["Location"], headers=admin).json["status"] == "done"
    )
    again = client.get(f"{asked.headers['Location']}/items", headers=admin).json["items"]
    assert [(i["boleto_id"], i["resent"]) for i in again] == [(boleto_id, True)]

    bodies = ({"resend": [999999]}, {"resend": []}, {"resend": ["1"]}, {"resend": 1},
              {"resend": [2**31]}, {"resend": [10**20]})  # fmt: skip
    for body in bodies:
        refused = client.post(url, json=body, headers=admin)
        assert "resend" in assert_envelope(refused, 422, "validation_error")["errors"]
    cancelled = client.post(
        f"{API}/receivables/{boletos[1]['receivable_id']}/cancel",
        json={"reason": "Indevida"},
        headers=admin,
    )
    assert cancelled.status_code == 200
    other = held["items"][1]["boleto_id"]
    assert client.post(url, json={"resend": [other]}, headers=admin).status_code == 422


def test_the_same_retorno_uploaded_twice_at_once_is_imported_once(
    app, client, admin, bradesco_account
):
    boleto = _issue(app, client, admin)
    content = _retorno([_liquidation(boleto, _today(app))], _today(app))
    url = f"{ACCOUNTS}/{bradesco_account}/returns"
    barrier, statuses = threading.Barrier(2), []

    def upload():
        with app.test_client() as own:
            barrier.wait()
            response = own.post(url, data={"file": (BytesIO(content), "r.ret")}, headers=admin)
            statuses.append(response.status_code)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [202, 409]
    assert client.get(url, headers=admin).json["total"] == 1


def test_a_liquidacao_of_a_bill_already_paid_by_hand_is_listed_and_settles_nothing(
    app, client, admin, bradesco_account
):
    boleto = _issue(app, client, admin)
    today = _today(app)
    typed = client.post(
        f"{API}/receivables/{boleto['receivable_id']}/payments",
        json={"paid_on": today.isoformat(), "amount": "99.90"},
        headers=admin,
    )
    assert typed.status_code == 200, typed.json
    path_report = _import_by_command(app, _retorno([_liquidation(boleto, today)], today))
    assert path_report["by_outcome"] == {"not_owed": 1}
    assert _status(app, boleto["receivable_id"]) == ("paid", "99.90")  # not paid twice


def _import_by_command(app, content: bytes) -> dict:
    path = Path(app.config["DOCUMENTS_DIR"]).parent / "retorno-cli.ret"
    path.write_bytes(content)
    with recorded_effects():
        result = app.test_cli_runner().invoke(args=["returns", "import", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_remessa_the_layout_cannot_carry_fails_with_its_reason_and_takes_no_number(
    app, client, admin, celery_worker
):
    santander = {**BRADESCO, "name": "Santander", "bank": "033", "agreement": "1234567",
                 "wallet": "101", "account": "13000123"}  # fmt: skip
    created = client.post(ACCOUNTS, json=santander, headers=admin)
    assert created.status_code == 201, created.json
    account_id = created.json["id"]
    _issue(app, client, admin)
    failed = _remittance(client, admin, account_id)
    assert (failed["status"], failed["sequence"]) == ("failed", None)
    assert "código de transmissão" in failed["error"]
    assert (
        client.get(f"{ACCOUNTS}/{account_id}", headers=admin).json["next_remittance_sequence"] == 1
    )
    mended = {"transmission_code": "000100001234567"}
    assert client.patch(f"{ACCOUNTS}/{account_id}", json=mended, headers=admin).status_code == 200
    written = _remittance(client, admin, account_id)
    assert (written["status"], written["sequence"], written["entries"]) == ("done", 1, 1)


def test_a_boleto_no_longer_owed_before_its_first_remessa_is_never_sent(
    app, client, admin, celery_worker, bradesco_account
):
    cancelled, partial = _issue(app, client, admin), _issue(app, client, admin)
    assert (
        client.post(
            f"{API}/receivables/{cancelled['receivable_id']}/cancel",
            json={"reason": "Indevida"},
            headers=admin,
        ).status_code
        == 200
    )
    paid = client.post(
        f"{API}/receivables/{partial['receivable_id']}/payments",
        json={"paid_on": _today(app).isoformat(), "amount": "40.00"},
        headers=admin,
    )
    assert paid.status_code == 200, paid.json
    balance = client.get(f"{API}/receivables/{partial['receivable_id']}/boleto", headers=admin)
    assert balance.json["amount"] == "59.90"
    written = _remittance(client, admin, bradesco_account)
    assert (written["entries"], written["cancellations"]) == (1, 0)  # the balance's boleto only
    items = client.get(
        f"{ACCOUNTS}/{bradesco_account}/remittances/{written['id']}/items", headers=admin
    ).json["items"]
    assert [(i["amount"], i["occurrence"]) for i in items] == [("59.90", "entry")]


def test_what_the_bank_knows_an_account_by_is_fixed_once_boletos_are_issued_on_it(
    app, client, admin, bradesco_account
):
    url = f"{ACCOUNTS}/{bradesco_account}"
    assert client.patch(url, json={"agency": "4321"}, headers=admin).status_code == 200
    _issue(app, client, admin)
    refused = client.patch(url, json={"agency": "1234", "wallet": "19"}, headers=admin)
    assert assert_envelope(refused, 409, "conflict")["errors"].keys() == {"agency", "wallet"}
    assert client.get(url, headers=admin).json["agency"] == "4321"
    unchanged = client.patch(url, json={"agency": "4321", "name": "Bradesco 2"}, headers=admin)
    assert unchanged.status_code == 200  # the same value, and what the bank never sees


def test_a_retorno_whose_application_keeps_failing_stops_as_failed(
    app, client, admin, bradesco_account
):
    boleto = _issue(app, client, admin)
    content = _retorno([_liquidation(boleto, _today(app))], _today(app))
    with recorded_effects(), app.app_context():  # its message lost: only beat sends it
        set_actor(db.session, BUILDER)
        return_id = import_return(bradesco_account, content, "\u202eTER.exe\x00.ret").id
        db.session.commit()
        for _ in range(MAX_RESUMES):
            assert resume_stale_returns(timedelta(0)) == [return_id]
            db.session.commit()
        assert resume_stale_returns(timedelta(0)) == []
        db.session.commit()
    shown = client.get(f"{ACCOUNTS}/{bradesco_account}/returns/{return_id}", headers=admin).json
    assert shown["status"] == "failed" and "5 attempts" in shown["error"]
    assert shown["file_name"] == "TER.exe.ret"  # no control or direction characters
    with recorded_effects():  # the suite's worker would take it before the answer is read
        again = client.post(
            f"{ACCOUNTS}/{bradesco_account}/returns",
            data={"file": (BytesIO(content), "r.ret")},
            headers=admin,
        )
    assert again.status_code == 202 and again.json["id"] == return_id  # mended: it goes on
    assert (again.json["status"], again.json["error"]) == ("queued", None)


def test_a_retorno_amount_no_row_can_hold_is_refused_by_its_line():
    huge = ReturnOccurrence(line=7, nosso_numero="1", code="06", kind=SETTLED,
                            description="Liquidação", paid=Decimal("1000000000000.00"))  # fmt: skip
    with pytest.raises(Invalid) as refused:
        _check_amounts([huge])
    assert refused.value.errors == {"file": ["line 7: paid too large"]}
