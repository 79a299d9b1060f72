"""No header the service writes carries a line break or an extra header, whatever the data.

CVE-2024-6923: Python's email package (3.11.7 here) decodes RFC 2047 encoded words in a header
value it is given and wrote a decoded CR LF out raw. A customer named
"Fulano =?utf-8?q?=0D=0AReply-To:_golpe@evil.example?=" (no control character: it is saved)
put in the subject added a Reply-To header at the SMTP server. The raw messages a real SMTP
server receives are checked, for every variable a subject may use, sent by a real worker.
"""

from email.message import EmailMessage

import pytest

from models.audit import set_actor
from models.db import db
from models.notices.email_template_defaults import SAMPLE_CONTEXT, VARIABLES
from models.notices.mailer import UnsafeHeader, check_headers, header_value
from models.notices.notices import SENT, Notice, NoticeKind, claim_notice, register_kind
from models.notices.settings import MailSettings
from tasks.notices import send_notices
from tests.builders import BUILDER, build_customer
from tests.notice_kinds import ensure_receivable
from tests.smtp_server import SmtpServer
from tests.waiting import wait_until
from tests.web.api_helpers import API

ENCODED_Q = "Fulano =?utf-8?q?=0D=0AReply-To:_golpe@evil.example?="
ENCODED_B = "=?utf-8?b?DQpCY2M6IGdvbHBlQGV2aWwuZXhhbXBsZQ==?="  # "\r\nBcc: golpe@evil.example"
RAW_BREAK = "x\r\nX-Injected: 1"
OTHER_BREAKS = "y\u2028X-Other: 2\x85Z\x0bW\x00"
PAYLOADS = {"encoded words": (ENCODED_Q, ENCODED_B), "line breaks": (RAW_BREAK, OTHER_BREAKS)}
_payloads = list(PAYLOADS["encoded words"])  # what the kind's variables hold in this test
EVIL_KIND = "evil_headers"
EVIL_KINDS = {"overdue_notice": EVIL_KIND, "suspension_notice": "evil_suspension"}
# The headers the service writes, and those set_content adds: nothing else may arrive.
HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]
_FROM_DATA = ("customer_name", "isp_name", "customer_code")  # not from the kind's context


def _evil_context(notice) -> dict:
    """Every variable the kind provides holds an injection attempt (numbers stay numbers)."""
    names = [name for name in VARIABLES if name not in (*_FROM_DATA, "stage", "days_overdue")]
    values = {name: _payloads[i % len(_payloads)] for i, name in enumerate(names)}
    return {**values, "stage": notice.stage, "days_overdue": 3}


for _template, _kind in EVIL_KINDS.items():
    register_kind(_kind, NoticeKind(template=_template, context=_evil_context))


@pytest.fixture
def smtp(app, override_settings):
    server = SmtpServer().start()
    sender = "Provedor <cobranca@provedor.example>"  # MAIL_SENDER: checked when read
    override_settings(MailSettings, **server.smtp_settings(sender=sender))
    yield server
    server.stop()


def _subject_variables(template: str) -> list[str]:
    """The template's variables; the suspension notice's beyond the overdue notice's (together
    they are every variable, and each subject fits the 200 characters a subject may have)."""
    names = list(SAMPLE_CONTEXT[template])
    if template != "overdue_notice":
        names = ["customer_name", *(n for n in names if n not in SAMPLE_CONTEXT["overdue_notice"])]
    return names


def _header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return [
        line.split(b":", 1)[0].decode() for line in head.split(b"\r\n") if line[:1] not in b" \t"
    ]


def _send(app, code: int, kind: str = EVIL_KIND) -> int:
    with app.app_context():
        set_actor(db.session, BUILDER)
        ensure_receivable(1, code)
        notice_id = claim_notice(1, kind, 3, code).id
        db.session.commit()
    send_notices.delay([notice_id])
    return notice_id


def _status(app, notice_id: int) -> tuple[str, str | None]:
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        return notice.status, notice.last_error


@pytest.mark.parametrize("template", EVIL_KINDS)
@pytest.mark.parametrize("payloads", PAYLOADS)
def test_no_variable_of_the_subject_can_add_a_header(
    app, client, admin, celery_worker, smtp, monkeypatch, payloads, template
):
    first, second = PAYLOADS[payloads]
    monkeypatch.setattr(__name__ + "._payloads", [first, second])
    monkeypatch.setitem(app.config, "ISP_NAME", second)
    subject = "".join(f"{{{{{name}}}}}" for name in _subject_variables(template))
    url = f"{API}/email-templates/{template}"
    parts = {part: client.get(url, headers=admin).json[part] for part in ("text_body", "html_body")}
    response = client.put(url, json={**parts, "subject": subject}, headers=admin)
    assert response.status_code == 200, response.json
    email = "fulano=?q?@example.com"  # valid: "=?" left alone in an address
    code = build_customer(app, name=ENCODED_Q, email=email)  # as saved

    notice_id = _send(app, code, EVIL_KINDS[template])

    assert wait_until(lambda: _status(app, notice_id)[0] not in ("queued", "sending"), 30)
    assert _status(app, notice_id) == (SENT, None)
    (raw,) = smtp.raw_messages
    assert _header_names(raw) == HEADERS
    assert smtp.recipients == [[email]]
    (message,) = smtp.messages
    subject = str(message["Subject"])
    assert "\r" not in subject and "\n" not in subject and "\u2028" not in subject
    assert "Reply-To: golpe@evil.example" not in subject  # the encoded word was not decoded
    assert "=?utf-8?q?" not in subject and "= ?utf-8?q?=0D=0AReply-To:_golpe" in subject
    assert "X-Injected: 1" in subject or payloads == "encoded words"  # kept, as text
    assert message["From"].addresses[0].addr_spec == "cobranca@provedor.example"
    assert message["To"] == email
    assert not any(message[name] for name in ("Reply-To", "Bcc", "X-Injected", "X-Other"))


def test_a_header_the_email_package_would_split_is_caught_before_sending():
    """The second line of defence, for a value that reached a header unneutralised."""
    message = EmailMessage()
    message["Subject"] = ENCODED_Q  # set directly: what header_value prevents
    with pytest.raises(UnsafeHeader, match="Subject"):
        check_headers(message, ["Subject"])
    assert header_value(ENCODED_Q) == "Fulano = ?utf-8?q?=0D=0AReply-To:_golpe@evil.example?="
    assert header_value("a\r\nb\u2028c\x00d==??e") == "a b c d== ??e"


def test_an_address_whose_local_part_is_an_encoded_word_fails_its_notice_unsent(
    app, celery_worker, smtp
):
    evil = "=?utf-8?q?=0D=0ABcc=3A_golpe=40evil.example?=@example.com"  # valid as an address
    notice_id = _send(app, build_customer(app, email=evil))
    assert wait_until(lambda: _status(app, notice_id)[0] not in ("queued", "sending"), 30)
    status, error = _status(app, notice_id)
    assert (status, error.startswith("could not write the e-mail")) == ("failed", True)
    assert smtp.count == 0
