"""A NAS stand-in: answers RFC 5176 Disconnect-Requests and CoA-Requests on 127.0.0.1 and
records each one.

A plain UDP socket in a thread, decoding and answering with pyrad's packets, as a MikroTik's
"incoming" RADIUS port would: a request signed with the right secret gets its ACK (or the NAK
the test asks for; a CoA-Request's rate limit and address list are recorded as the NAS would
apply them); one signed with another secret is recorded as unverified and gets no answer, as a
real NAS drops it.
"""

import socket
import threading
from dataclasses import dataclass

from pyrad.packet import (
    CoANAK,
    CoAPacket,
    CoARequest,
    DisconnectNAK,
    DisconnectRequest,
    PacketError,
)

NAKS = {DisconnectRequest: DisconnectNAK, CoARequest: CoANAK}


@dataclass(frozen=True)
class Received:
    """One request as the NAS saw it."""

    code: int
    user_name: str | None
    acct_session_id: str | None
    framed_ip: str | None
    verified: bool
    rate_limit: str | None = None  # a CoA-Request's Mikrotik-Rate-Limit
    address_list: str | None = None  # and its Mikrotik-Address-List


class NasStandIn:
    """Listens on 127.0.0.1:`port` (a free one) until `close`; `received` lists every request."""

    def __init__(self, secret: str, dictionary, nak: bool = False):
        self.secret = secret.encode()
        self.dictionary = dictionary
        self.nak = nak
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="nas-stand-in", daemon=True)
        self._thread.start()

    def requests(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                data, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            self._handle(data, peer)

    def _handle(self, data: bytes, peer) -> None:
        try:
            request = CoAPacket(packet=data, secret=self.secret, dict=self.dictionary)
        except PacketError:
            return  # not RADIUS: a NAS ignores it
        verified = request.VerifyCoARequest()
        with self._lock:
            self.received.append(
                Received(
                    code=request.code,
                    user_name=_first(request, "User-Name"),
                    acct_session_id=_first(request, "Acct-Session-Id"),
                    framed_ip=_first(request, "Framed-IP-Address"),
                    verified=verified,
                    rate_limit=_first(request, "Mikrotik-Rate-Limit"),
                    address_list=_first(request, "Mikrotik-Address-List"),
                )
            )
        if not verified or request.code not in NAKS:
            return
        reply = request.CreateReply()
        if self.nak:
            reply.code = NAKS[request.code]
            reply["Error-Cause"] = 503  # Session-Context-Not-Found
        self._socket.sendto(reply.ReplyPacket(), peer)

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._socket.close()


def _first(request: CoAPacket, name: str) -> str | None:
    values = request.get(name)
    return str(values[0]) if values else None
