"""Overdue notices: each stage once, counted from the due date moved to the next business day.

The daily sweep runs here "as of" each day of a stretch of March/April 2026 (Carnival is in
February, Good Friday is 3 April, Tiradentes 21 April); the suite's real worker sends what it
claims to a real SMTP server, which counts the messages.
"""

import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from models.audit import set_actor
from models.billing.local_holidays import LocalHoliday
from models.billing.receivables import settle
from models.billing.settings import BillingPolicy
from models.db import db
from models.notices.notices import SENT, SKIPPED
from tests.builders import BUILDER, build_customer, build_receivable
from tests.tasks.notice_sweep_helpers import (
    message_keys,
    notices,
    pay,
    set_option,
    sweep,
    withdraw_email_consent,
)
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.payment_payloads import bank_debit, card, methods_url

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

WEDNESDAY = date(2026, 3, 4)
SATURDAY = date(2026, 3, 7)
TIRADENTES = date(2026, 4, 21)  # a Tuesday, national holiday


def _overdue_customer(app, **fields) -> int:
    code = build_customer(app, **fields)
    set_option(app, code, send_boleto_email=False)  # only the overdue notices here
    return code


def _claims_by_day(app, first: date, last: date) -> dict[date, list[tuple]]:
    """Sweep every day from `first` to `last`; the overdue notices each day claimed."""
    claimed, before = {}, len(notices(app, "overdue"))
    day = first
    while day <= last:
        sweep(app, day)
        found = notices(app, "overdue")
        if len(found) > before:
            claimed[day] = [(rid, stage) for rid, _, stage, _ in found[before:]]
        before, day = len(found), day + timedelta(days=1)
    return claimed


def _delivered(app, server, count: int) -> bool:
    def done():
        statuses = [status for *_, status in notices(app)]
        return server.count >= count and all(s in (SENT, SKIPPED) for s in statuses)

    return wait_until(done, timeout=60)


def test_each_stage_once_in_business_days(app, celery_worker, smtp):
    code = _overdue_customer(app, email="ana@example.com")
    receivable_id = build_receivable(app, customer_code=code, due_date=WEDNESDAY)

    claimed = _claims_by_day(app, WEDNESDAY, date(2026, 4, 10))

    # 3, 10 and 20 business days after Wednesday 4 March.
    assert claimed == {
        date(2026, 3, 9): [(receivable_id, 3)],
        date(2026, 3, 18): [(receivable_id, 10)],
        date(2026, 4, 1): [(receivable_id, 20)],
    }
    assert _delivered(app, smtp, 3)
    assert message_keys(smtp) == [f"overdue.{receivable_id}.{s}" for s in (10, 20, 3)]
    last = next(
        m
        for m in smtp.messages
        if m["Message-ID"].startswith(f"<notice.overdue.{receivable_id}.20")
    )
    assert last["To"] == "ana@example.com"
    assert last["Subject"] == "Provedor: fatura vencida em 04/03/2026"
    text = last.get_body(("plain",)).get_content()
    assert "dias úteis de atraso)" in text and "Evite a suspensão" in text  # the 20-day stage
    (attachment,) = last.iter_attachments()  # a second copy of the boleto
    assert PdfReader(BytesIO(attachment.get_content())).pages


def test_a_bill_due_on_saturday_paid_on_monday_gets_no_notice(app, celery_worker, smtp):
    code = _overdue_customer(app)
    paid_monday = build_receivable(app, customer_code=code, due_date=SATURDAY)
    unpaid = build_receivable(app, customer_code=code, due_date=SATURDAY)
    pay(app, paid_monday, date(2026, 3, 9))

    claimed = _claims_by_day(app, SATURDAY, date(2026, 3, 13))

    # Payable until Monday 9: 3 business days late on Thursday 12, not Tuesday 10.
    assert claimed == {date(2026, 3, 12): [(unpaid, 3)]}
    assert _delivered(app, smtp, 1)


def test_holidays_national_and_local_move_the_due_date(app, celery_worker, smtp):
    code = _overdue_customer(app)
    on_tiradentes = build_receivable(app, customer_code=code, due_date=TIRADENTES)
    claimed = _claims_by_day(app, TIRADENTES, date(2026, 4, 28))
    assert claimed == {date(2026, 4, 27): [(on_tiradentes, 3)]}  # from Wednesday 22

    with app.app_context():  # a local holiday on Thursday 7 May (an admin added it)
        set_actor(db.session, BUILDER)
        db.session.add(LocalHoliday(date=date(2026, 5, 7), name="Aniversário da cidade"))
        db.session.commit()
    before_local = build_receivable(app, customer_code=code, due_date=date(2026, 5, 6))
    claimed = _claims_by_day(app, date(2026, 5, 6), date(2026, 5, 12))
    # 8, 11, 12: the 7th is off; and 1 May and 7 May make the Tiradentes bill 10 days late on 8 May.
    assert claimed == {
        date(2026, 5, 8): [(on_tiradentes, 10)],
        date(2026, 5, 12): [(before_local, 3)],
    }
    assert _delivered(app, smtp, 3)


def test_calendar_days_when_the_setting_says_so(app, celery_worker, smtp, override_settings):
    override_settings(BillingPolicy, notice_business_days=False)
    code = _overdue_customer(app)
    receivable_id = build_receivable(app, customer_code=code, due_date=SATURDAY)
    claimed = _claims_by_day(app, SATURDAY, date(2026, 3, 20))
    # The due date still moves to Monday 9; then 3 and 10 calendar days.
    assert claimed == {
        date(2026, 3, 12): [(receivable_id, 3)],
        date(2026, 3, 19): [(receivable_id, 10)],
    }
    assert _delivered(app, smtp, 2)


def test_a_sweep_that_missed_days_sends_only_the_latest_stage(app, celery_worker, smtp):
    code = _overdue_customer(app)
    receivable_id = build_receivable(app, customer_code=code, due_date=WEDNESDAY)

    assert sweep(app, date(2026, 3, 25)) == {
        "boleto": 0,
        "overdue": 1,
        "ladder": 0,
    }  # 15 business days
    assert notices(app, "overdue")[0][:3] == (receivable_id, "overdue", 10)
    assert _claims_by_day(app, date(2026, 3, 26), date(2026, 4, 6)) == {
        date(2026, 4, 1): [(receivable_id, 20)]
    }
    assert sweep(app, date(2026, 3, 9))["overdue"] == 0  # an earlier stage never follows
    assert _delivered(app, smtp, 2)
    assert message_keys(smtp) == [f"overdue.{receivable_id}.{s}" for s in (10, 20)]


def test_paid_cancelled_opted_out_get_nothing_and_no_address_is_skipped(
    app, client, admin, celery_worker, smtp
):
    code = _overdue_customer(app)
    paid = build_receivable(app, customer_code=code, due_date=WEDNESDAY)
    pay(app, paid, date(2026, 3, 5))
    cancelled = build_receivable(app, customer_code=code, due_date=WEDNESDAY)
    client.post(f"{API}/receivables/{cancelled}/cancel", json={"reason": "erro"}, headers=admin)
    opted_out = _overdue_customer(app)
    set_option(app, opted_out, send_overdue_notice=False)
    build_receivable(app, customer_code=opted_out, due_date=WEDNESDAY)
    without = _overdue_customer(app, email=None)
    no_address = build_receivable(app, customer_code=without, due_date=WEDNESDAY)
    withdrawn = _overdue_customer(app)
    withdraw_email_consent(app, withdrawn)
    no_consent = build_receivable(app, customer_code=withdrawn, due_date=WEDNESDAY)
    by_debit = _overdue_customer(app)
    assert client.post(methods_url(by_debit), json=bank_debit(), headers=admin).status_code == 201
    debit = build_receivable(app, customer_code=by_debit, due_date=WEDNESDAY)

    assert sweep(app, date(2026, 3, 9)) == {"boleto": 0, "overdue": 3, "ladder": 0}
    assert _delivered(app, smtp, 1)
    assert sorted(n[0] for n in notices(app)) == sorted([no_address, no_consent, debit])
    statuses = {rid: status for rid, _, _, status in notices(app)}
    assert (statuses[no_address], statuses[no_consent], statuses[debit]) == (SKIPPED, SKIPPED, SENT)
    (message,) = smtp.messages
    assert list(message.iter_attachments()) == []  # paid by debit: no boleto to attach
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Linha digitável" not in text and "débito automático" in text


def _no_empty_field(message) -> None:
    """No line of the text ends with a label and nothing after it; no empty code in HTML."""
    text = message.get_body(("plain",)).get_content()
    assert not re.search(r":[ \t]*$", text, re.MULTILINE), text
    assert "<code></code>" not in message.get_body(("html",)).get_content()


def test_boleto_card_and_debit_payers_each_get_their_own_wording(
    app, client, admin, celery_worker, smtp
):
    by_boleto = _overdue_customer(app)
    by_card, by_debit = _overdue_customer(app), _overdue_customer(app)
    assert client.post(methods_url(by_card), json=card(), headers=admin).status_code == 201
    assert client.post(methods_url(by_debit), json=bank_debit(), headers=admin).status_code == 201
    payers = {"boleto": by_boleto, "card": by_card, "debit": by_debit}
    receivables = {
        payer: build_receivable(app, customer_code=code, due_date=WEDNESDAY)
        for payer, code in payers.items()
    }

    assert sweep(app, date(2026, 3, 9)) == {"boleto": 0, "overdue": 3, "ladder": 0}
    assert _delivered(app, smtp, 3)

    received = {m["Message-ID"].split(".")[2]: m for m in smtp.messages}
    texts = {}
    for payer, receivable_id in receivables.items():
        message = received[str(receivable_id)]
        _no_empty_field(message)
        texts[payer] = message.get_body(("plain",)).get_content()
    boleto = client.get(f"{API}/receivables/{receivables['boleto']}/boleto", headers=admin).json
    assert f"Linha digitável: {boleto['digitable_line']}" in texts["boleto"]
    assert len(list(received[str(receivables["boleto"])].iter_attachments())) == 1
    assert "cartão de crédito" in texts["card"] and "débito automático" in texts["debit"]
    for payer in ("card", "debit"):
        assert "Linha digitável" not in texts[payer]
        assert list(received[str(receivables[payer])].iter_attachments()) == []
        html = received[str(receivables[payer])].get_body(("html",)).get_content()
        assert "Linha digitável" not in html


def test_a_partially_paid_bill_is_still_noticed_for_its_balance(app, celery_worker, smtp):
    code = _overdue_customer(app, email="bia@example.com")
    receivable_id = build_receivable(app, customer_code=code, amount="125.50", due_date=WEDNESDAY)
    with app.app_context():
        set_actor(db.session, BUILDER)
        settle(receivable_id, date(2026, 3, 5), Decimal("100.00"))
        db.session.commit()

    assert sweep(app, date(2026, 3, 9))["overdue"] == 1  # 3 business days: still owed
    assert _delivered(app, smtp, 1)
    (message,) = smtp.messages
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "de R$ 25,50, vencida em 04/03/2026 (" in text and "dias úteis de atraso)" in text
    pdf = next(message.iter_attachments()).get_content()
    assert "R$ 25,50" in PdfReader(BytesIO(pdf)).pages[0].extract_text()  # the balance's boleto
