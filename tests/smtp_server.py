"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can misbehave.

server = SmtpServer(); server.start()
server.fail_next(2, "451 4.3.0 Try again later")  # the next 2 messages are refused at DATA
server.drop_next(1)     # the next connection is closed at RCPT, before the message
server.break_next_data(1)  # the next message is kept, then the connection closed unanswered
server.hold_replies(30) # keep each message, then wait 30 s before answering 250
server.release_held()   # answer the messages held now at once
server.messages         # parsed EmailMessages, in the order received
server.raw_messages     # the same as received, bytes
"""

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    """Counts and keeps messages; answers as told for the next few."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], bytes]] = []
        self.refuse, self.refusal = 0, "451 4.3.0 Try again later"
        self.drop = 0
        self.break_data = 0
        self.hold_seconds = 0.0
        self.released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            drop = self.drop > 0
            self.drop -= drop
        if drop:
            server.transport.close()  # the client sees the connection break before DATA
            return "421 4.3.2 Closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            refuse = self.refuse > 0
            self.refuse -= refuse
            if not refuse:
                self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        if refuse:
            return self.refusal
        with self.lock:
            break_data = self.break_data > 0
            self.break_data -= break_data
        if break_data:  # the server has it; the client never hears so
            server.transport.close()
            return "421 4.3.2 Closing"
        # Kept, but the sender hears nothing yet: for hold_seconds, or until release_held().
        deadline = time.monotonic() + self.hold_seconds
        while time.monotonic() < deadline and not self.released.is_set():
            await asyncio.sleep(0.05)
        return "250 2.0.0 OK"


class SmtpServer:
    """aiosmtpd's Controller on a free loopback port; stop() and start() again on the same."""

    def __init__(self, port: int | None = None):
        self.host, self.port = "127.0.0.1", port or free_port()
        self.handler = _Handler()
        self._controller: Controller | None = None

    def start(self) -> "SmtpServer":
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        with self.handler.lock:
            self.handler.refuse, self.handler.refusal = count, reply

    def drop_next(self, count: int) -> None:
        with self.handler.lock:
            self.handler.drop = count

    def break_next_data(self, count: int) -> None:
        with self.handler.lock:
            self.handler.break_data = count

    def hold_replies(self, seconds: float) -> None:
        """Hold the answer to each message from now on (0: no longer; held ones stay held)."""
        if seconds:
            self.handler.released.clear()
        self.handler.hold_seconds = seconds

    def release_held(self) -> None:
        """Answer the messages held now: the test saw what it waited for while they were held."""
        self.handler.released.set()

    @property
    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.received)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            raw = [content for _, content in self.handler.received]
        return [message_from_bytes(content, policy=policy.default) for content in raw]

    @property
    def raw_messages(self) -> list[bytes]:
        """The messages exactly as the client sent them (DATA's bytes)."""
        with self.handler.lock:
            return [content for _, content in self.handler.received]

    @property
    def recipients(self) -> list[list[str]]:
        with self.handler.lock:
            return [rcpt for rcpt, _ in self.handler.received]

    def smtp_settings(self, **overrides) -> dict:
        """MailSettings' values pointing here (no TLS, no login), with `overrides`."""
        return {
            "host": self.host,
            "port": self.port,
            "tls": "none",
            "user": None,
            "password": None,
            "sender": "Provedor Teste <cobranca@provedor.example>",
            "timeout_s": 5.0,
            "max_attempts": 3,
            **overrides,
        }
