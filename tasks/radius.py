"""RADIUS work for the workers: Disconnect-Requests (RFC 5176) and closing ghost sessions."""

import logging
from dataclasses import dataclass
from pathlib import Path

from celery import shared_task
from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary
from pyrad.packet import DisconnectACK, DisconnectNAK, DisconnectRequest

from models import radius
from models.db import db
from models.radius_disconnects import ACKED, NAKED, Disconnect, claim_for_sending, record_outcome

log = logging.getLogger(__name__)
DICTIONARY = Dictionary(str(Path(__file__).with_name("radius.dictionary")))
SWEEP_LIMIT = 50


@dataclass(frozen=True)
class _Request:
    """What one Disconnect-Request needs, copied out of the session before waiting on a NAS."""

    nas_ip: str
    coa_port: int
    secret: str
    username: str
    acct_session_id: str
    framed_ip: str | None


def _send(request: _Request, timeout: float) -> tuple[str | None, str | None]:
    """Send one Disconnect-Request; return (acked|naked|None, error)."""
    where = f"{request.nas_ip}:{request.coa_port}"
    client = Client(
        server=request.nas_ip,
        secret=request.secret.encode(),
        dict=DICTIONARY,
        coaport=request.coa_port,
    )
    client.timeout, client.retries = timeout, 1
    attributes = {"User_Name": request.username, "Acct_Session_Id": request.acct_session_id}
    if request.framed_ip and ":" not in request.framed_ip:
        attributes["Framed_IP_Address"] = request.framed_ip
    packet = client.CreateCoAPacket(code=DisconnectRequest, **attributes)
    try:
        reply = client.SendPacket(packet)
    except Timeout:
        return None, f"No answer from {where}."
    except OSError as error:
        return None, f"Could not reach {where}: {error.strerror or error}."
    finally:
        client._CloseSocket()  # pyrad keeps it open otherwise
    if reply.code == DisconnectACK:
        return ACKED, None
    if reply.code == DisconnectNAK:
        cause = reply.get("Error-Cause", [None])[0]
        return NAKED, f"NAS refused (Error-Cause {cause})."
    return None, f"Unexpected answer code {reply.code}."


def _attempt(disconnect_id: int, lease) -> None:
    """Send a claimed request and record the outcome; no transaction is open while waiting."""
    row = db.session.get(Disconnect, disconnect_id)
    nas = db.session.scalar(db.select(radius.Nas).where(radius.Nas.nasname == row.nas_ip))
    request = None
    if nas is not None:
        request = _Request(
            row.nas_ip, nas.coa_port, nas.secret, row.username, row.acct_session_id, row.framed_ip
        )
    db.session.commit()  # nothing is locked or held while the NAS takes its time
    rules = radius.policy()
    if request is None:
        answered, error = None, f"NAS {row.nas_ip} is not in the nas table."
    else:
        answered, error = _send(request, rules.disconnect_timeout_s)
    recorded = record_outcome(disconnect_id, lease, answered, error, rules.disconnect_attempts)
    db.session.commit()
    if not recorded:
        log.warning(
            "disconnect %s: outcome (%s) not recorded, its row was taken over",
            disconnect_id,
            answered or error,
        )
    elif error:
        log.warning("disconnect %s: %s", disconnect_id, error)


@shared_task(name="tasks.radius.send_disconnect")
def send_disconnect(disconnect_id: int) -> None:
    """Send one Disconnect-Request now (after the suspension that owes it committed)."""
    claimed = claim_for_sending(disconnect_id)
    db.session.commit()
    if claimed:
        _attempt(*claimed)


@shared_task(name="tasks.radius.retry_disconnects")
def retry_disconnects() -> int:
    """Beat: send the requests that are due again (no answer yet) or whose sender vanished.

    One row is claimed right before it is sent, so a slow NAS never outlives a claim.
    """
    sent = 0
    while sent < SWEEP_LIMIT:
        claimed = claim_for_sending()
        db.session.commit()
        if claimed is None:
            break
        _attempt(*claimed)
        sent += 1
    return sent


@shared_task(name="tasks.radius.close_ghost_sessions")
def close_ghost_sessions() -> int:
    """Beat: stop sessions whose NAS stopped sending interim updates (a lost Stop)."""
    closed = radius.close_ghost_sessions()
    if closed:
        log.info("closed %d ghost RADIUS sessions", closed)
    return closed
