"""A card's security code reaches the gateway seam and nothing else (PCI DSS), and the full card
number is never shown: after the API took both, neither is in a response, a log record, the
history, the broker or any column of any table."""

import json
import logging
import re
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import MetaData
from stdnum import luhn

from models.customers import payment_gateway
from models.customers.card_crypto import decrypt
from models.db import db
from tests.builders import build_customer
from tests.web.payment_payloads import bank_debit, card, history_of, methods_url

CODE = "8264"
# What holds digits by chance, taken out before searching for the code: opaque tokens (hashes,
# request ids, Fernet tokens), instants (a timestamp's microseconds), durations and decimals.
CHANCE_DIGITS = re.compile(
    r"[A-Za-z0-9_\-+/=]{24,}"
    r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z)?"
    r"|datetime\.datetime\((?:[^()]|\([^()]*\))*\)"
    r"|\$argon2\S+"
    r"|\d+\.\d+"
)


def _luhn(base: str) -> str:
    return base + luhn.calc_check_digit(base)


CARDS = (_luhn("453904180003121"), _luhn("550000970012345"))  # neither contains CODE
SUSPECT_NAMES = re.compile(r"security|cvv|cvc|cvn|csc", re.IGNORECASE)


def _leaks(text: str) -> list[str]:
    found = [CODE] if CODE in CHANCE_DIGITS.sub(" ", text) else []
    return found + [number for number in CARDS if number in text]


def _all_rows(app) -> dict[str, list[dict]]:
    """Every row of every table, as the database holds it (reflected, not through models)."""
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as connection:
            return {
                name: [dict(row._mapping) for row in connection.execute(table.select())]
                for name, table in metadata.tables.items()
            }


def _broker_text(app) -> str:
    """What the broker holds: Redis keys and values, or the embedded broker's message files."""
    settings = app.config["PROVEDOR_SETTINGS"]
    if settings.broker_url.startswith("redis"):
        import redis

        server = redis.Redis.from_url(settings.broker_url)
        readers = {
            "string": server.get,
            "list": lambda key: server.lrange(key, 0, -1),
            "hash": server.hgetall,
            "set": server.smembers,
            "zset": lambda key: server.zrange(key, 0, -1),
        }
        parts = []
        for key in server.scan_iter():
            reader = readers.get(server.type(key).decode())
            parts.append(f"{key!r} {reader(key) if reader else ''!r}")
        return "\n".join(parts)
    folders = ("data_folder_in", "processed_folder")
    files = [
        path
        for folder in folders
        for path in Path(settings.broker_transport_options[folder]).glob("**/*")
        if path.is_file()
    ]
    return "\n".join(path.read_text(errors="replace") for path in files)


def _submit_everything(client, admin, code: int) -> list:
    """Every way the code can be sent: accepted and refused, created and changed."""
    first, second = CARDS
    responses = [
        client.post(
            methods_url(code), json=card(card_number=first, security_code=CODE), headers=admin
        )
    ]
    method_id = responses[0].get_json()["id"]
    bank = client.post(methods_url(code), json=bank_debit(), headers=admin)
    url = methods_url(code, method_id)
    responses += [
        bank,
        client.patch(url, json={"card_number": second, "security_code": CODE}, headers=admin),
        client.patch(url, json={"expiry": "11/2038", "security_code": CODE}, headers=admin),
        client.patch(url, json={"security_code": CODE}, headers=admin),  # 422: nothing to verify
        client.post(
            methods_url(code), json=card(expiry="01/2001", security_code=CODE), headers=admin
        ),
        client.post(methods_url(code), json=card(security_code=CODE + "0"), headers=admin),
        client.patch(
            methods_url(code, bank.get_json()["id"]),
            json={"card_number": first, "security_code": CODE},  # 409: a bank debit's
            headers=admin,
        ),
        client.get(url, headers=admin),
        client.get(methods_url(code), headers=admin),
        client.get(url + "/authorization.pdf", headers=admin),
    ]
    assert [r.status_code for r in responses] == [
        201,
        201,
        200,
        200,
        422,
        422,
        422,
        409,
        200,
        200,
        200,
    ]
    return responses


def test_the_security_code_and_card_number_are_kept_nowhere(app, client, admin, caplog):
    caplog.set_level(logging.DEBUG)
    code = build_customer(app)
    handed_over = []
    previous = payment_gateway.set_verifier(lambda check: handed_over.append(check.security_code))
    try:
        responses = _submit_everything(client, admin, code)
    finally:
        payment_gateway.set_verifier(previous)
    assert handed_over == [CODE, CODE, CODE]  # to the gateway seam, on each accepted card write

    for response in responses:
        if response.mimetype == "application/pdf":
            body = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
        else:
            body = response.get_data(as_text=True)
        assert _leaks(body) == [], (response.request.method, response.request.path)

    request_lines = [r for r in caplog.records if r.name == "provedor.request"]
    assert len(request_lines) >= len(responses)  # the request log was captured
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert _leaks(text) == [], (record.name, text[:200])

    history = json.dumps(history_of(client, admin, code))
    assert "card_number_encrypted" in history  # the card's changes were recorded...
    assert _leaks(history) == []  # ...without the number or the code

    rows = _all_rows(app)
    for table, table_rows in rows.items():
        for row in table_rows:
            assert not [name for name in row if SUSPECT_NAMES.search(name)], table
            for column, value in row.items():
                text = (
                    json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
                )
                assert _leaks(text) == [], (table, column)
    (token,) = [
        r["card_number_encrypted"] for r in rows["payment_methods"] if r["method"] == "card"
    ]
    with app.app_context():
        assert decrypt(token) == CARDS[1]  # the ciphertext holds the number alone

    assert _leaks(_broker_text(app)) == []
