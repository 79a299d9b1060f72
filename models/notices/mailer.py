"""Writing a notice's e-mail (template, variables, attachments) and handing it to SMTP.

`Postman.deliver` tells the two ways a delivery can fail apart, because only one is safe to retry:
`Refused`: the server said no or could not be reached before it had the message (connection
refused, a 4xx/5xx reply to any command, including the final reply to DATA): nothing was
delivered, try again later. `OutcomeUnknown`: the connection broke while the message was being
handed over, so the server may have it: retrying could send it twice.
"""

import logging
import re
import smtplib
import ssl
import unicodedata
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from models.customers.customers import Customer
from models.db import db
from models.notices import email_templates
from models.notices.notices import NOTICE_KINDS, Attachment, Notice
from models.notices.settings import MailSettings

log = logging.getLogger(__name__)


class UnsafeHeader(ValueError):
    """A header would not come out as the one line written (an injection attempt)."""


class Refused(Exception):
    """Nothing was delivered (safe to retry)."""


class OutcomeUnknown(Exception):
    """The message may or may not have been delivered (never retried automatically)."""


def compose(notice: Notice, recipient: str, sender: str, isp_name: str) -> EmailMessage:
    """The notice's e-mail to `recipient`: its kind's template filled in, and its kind's
    attachments."""
    kind = NOTICE_KINDS[notice.kind]
    customer = db.session.get(Customer, notice.customer_code)
    context = {**customer_context(customer, isp_name), **kind.context(notice)}
    parts = email_templates.render(kind.template, context)
    return build_message(
        sender, recipient, parts, kind.attachments(notice), message_id(notice, sender)
    )


def customer_context(customer: Customer, isp_name: str) -> dict:
    """The variables every e-mail has besides its kind's (a template's preview uses them too)."""
    return {"isp_name": isp_name, "customer_name": customer.name, "customer_code": customer.code}


@contextmanager
def preloaded(notices: list[Notice]):
    """While inside, what composing these notices reads (their customers, and what each kind
    asks for) is in the session, loaded in a few queries instead of a few per notice. (The
    session keeps objects only while something holds them: this generator does.) A failure
    here only costs the speed-up: composing reads what it needs itself."""
    codes = {notice.customer_code for notice in notices}
    held = []
    try:
        with db.session.begin_nested():
            held += db.session.scalars(db.select(Customer).where(Customer.code.in_(codes)))
            for name, kind in NOTICE_KINDS.items():
                receivable_ids = sorted({n.receivable_id for n in notices if n.kind == name})
                if receivable_ids:
                    held += kind.preload(receivable_ids)
    except Exception:
        log.exception("could not preload %d notices; writing them one by one", len(notices))
    yield held


def message_id(notice: Notice, sender: str) -> str:
    """Deterministic: a duplicate of a notice carries the same Message-ID, and shows it."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<notice.{notice.message_key}@{domain}>"


def build_message(
    sender: str, recipient: str, parts: dict, attachments: list[Attachment], msg_id: str
) -> EmailMessage:
    """Text with an HTML alternative, and the attachments, as one message."""
    message = EmailMessage()
    headers = {"From": sender, "To": recipient, "Subject": parts["subject"]}
    headers |= {"Date": formatdate(localtime=False), "Message-ID": msg_id}
    for name, value in headers.items():
        # Addresses keep "=?" ("a=?b@example.com" is one); the email package refuses a CR or
        # LF decoded from an address's encoded word, and check_headers covers the rest.
        message[name] = header_value(value, encoded_words=name != "Subject")
    check_headers(message, list(headers))
    message.set_content(parts["text_body"])
    message.add_alternative(parts["html_body"], subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


_BREAKS = re.compile(r"[\s\u2028\u2029]+")


def header_value(value: str, encoded_words: bool = False) -> str:
    """`value` as one line of plain text the email package will encode itself.

    Control characters and line breaks become spaces. Unless `encoded_words` may stay, "=?" is
    written "= ?": the email package decodes RFC 2047 encoded words in the values it is given,
    and before Python 3.11.10 / 3.12.5 (CVE-2024-6923) it wrote a decoded CR LF out raw, so a
    customer named "=?utf-8?q?=0D=0AReply-To:_x@evil?=" added a header. No encoded word,
    nothing decoded.
    """
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value)
    text = " ".join(_BREAKS.split(text)).strip()
    # A replacement never makes a new "=?"; the loop only proves it.
    while "=?" in text and not encoded_words:
        text = text.replace("=?", "= ?")
    return text


def check_headers(message: EmailMessage, names: list[str]) -> None:
    """UnsafeHeader unless the message's headers are `names`, each written as one header
    (folded lines continue with a space): what the SMTP server will receive, whatever the
    Python version."""
    if [name.lower() for name in message] != [name.lower() for name in names]:
        raise UnsafeHeader(f"headers {message.keys()} are not {names}")
    for name, value in message.items():
        folded = policy.SMTP.fold(name, value)
        lines = folded.removesuffix("\r\n").split("\r\n")
        broken = any("\r" in line or "\n" in line for line in lines)
        if (
            broken
            or not lines[0].startswith(f"{name}:")
            or not all(line[:1] in (" ", "\t") for line in lines[1:])
        ):
            raise UnsafeHeader(f"the {name} header would be written as {folded!r}")


class Postman:
    """One SMTP connection for many messages: opened when first needed, and opened again for
    the next message after any failure (the old one may be half-way through a command). A
    server that cannot be reached refuses every later message at once.

        with Postman(smtp) as postman:
            postman.deliver(message)  # Refused or OutcomeUnknown
    """

    def __init__(self, smtp: MailSettings):
        self.smtp = smtp
        self._connection: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def __enter__(self) -> "Postman":
        return self

    def __exit__(self, *_exc) -> None:
        self._close()

    def deliver(self, message: EmailMessage) -> None:
        if self._unreachable is not None:  # not tried again: a timeout each would stall
            raise Refused(self._unreachable)
        if self._connection is None:
            try:
                self._connection = _connect(self.smtp)
            except (smtplib.SMTPException, OSError) as error:
                self._unreachable = _describe(error)
                raise Refused(self._unreachable) from None
        try:
            _hand_over(self._connection, message)
        except (Refused, OutcomeUnknown):
            self._close()
            raise

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _connect(smtp: MailSettings) -> smtplib.SMTP:
    host, port, timeout = smtp.host, smtp.port, smtp.timeout_s
    if smtp.tls == "ssl":
        connection = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    connection.ehlo()
    if smtp.tls == "starttls":
        connection.starttls(context=ssl.create_default_context())
        connection.ehlo()
    if smtp.user:
        connection.login(smtp.user, smtp.password or "")
    return connection


def _hand_over(connection: smtplib.SMTP, message: EmailMessage) -> None:
    """MAIL, RCPT (refusals here are safe to retry), then DATA (a break there is not)."""
    sender = parseaddr(message["From"])[1]
    recipient = parseaddr(message["To"])[1]
    try:
        for command, argument in (("mail", sender), ("rcpt", recipient)):
            code, reply = getattr(connection, command)(argument)
            if code not in (250, 251):
                raise smtplib.SMTPResponseException(code, reply)
    except (smtplib.SMTPException, OSError) as error:
        raise Refused(_describe(error)) from None
    try:
        code, reply = connection.data(message.as_bytes(policy=policy.SMTP))  # CRLF line ends
    except smtplib.SMTPResponseException as error:  # the server answered: it did not take it
        raise Refused(_describe(error)) from None
    except (smtplib.SMTPException, OSError) as error:
        raise OutcomeUnknown(_describe(error)) from None
    if code != 250:  # data() returns the final reply rather than raising on it
        raise Refused(_describe(smtplib.SMTPResponseException(code, reply)))


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"SMTP {error.smtp_code}: {text}"
    return f"{type(error).__name__}: {error}"
