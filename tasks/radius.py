"""RADIUS work for the workers: Disconnect-Requests (RFC 5176) and closing ghost sessions."""

import logging
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


def _request(row: Disconnect, nas: radius.Nas, timeout: float) -> tuple[str | None, str | None]:
    """Send one Disconnect-Request; return (acked|naked|None, error)."""
    client = Client(
        server=row.nas_ip, secret=nas.secret.encode(), dict=DICTIONARY, coaport=nas.coa_port
    )
    client.timeout, client.retries = timeout, 1
    attributes = {"User_Name": row.username, "Acct_Session_Id": row.acct_session_id}
    if row.framed_ip and ":" not in row.framed_ip:
        attributes["Framed_IP_Address"] = row.framed_ip
    request = client.CreateCoAPacket(code=DisconnectRequest, **attributes)
    try:
        reply = client.SendPacket(request)
    except Timeout:
        return None, f"No answer from {row.nas_ip}:{nas.coa_port}."
    except OSError as error:
        return None, f"Could not reach {row.nas_ip}:{nas.coa_port}: {error.strerror or error}."
    finally:
        client._CloseSocket()  # pyrad keeps it open otherwise
    if reply.code == DisconnectACK:
        return ACKED, None
    if reply.code == DisconnectNAK:
        cause = reply.get("Error-Cause", [None])[0]
        return NAKED, f"NAS refused (Error-Cause {cause})."
    return None, f"Unexpected answer code {reply.code}."


def _attempt(disconnect_id: int) -> None:
    """Send a claimed request and record the outcome; no transaction is open while waiting."""
    row = db.session.get(Disconnect, disconnect_id)
    nas = db.session.scalar(db.select(radius.Nas).where(radius.Nas.nasname == row.nas_ip))
    db.session.commit()  # nothing is locked or held while the NAS takes its time
    rules = radius.policy()
    if nas is None:
        answered, error = None, f"NAS {row.nas_ip} is not in the nas table."
    else:
        answered, error = _request(row, nas, rules.disconnect_timeout_s)
    record_outcome(disconnect_id, answered, error, rules.disconnect_attempts)
    db.session.commit()
    if error:
        log.warning("disconnect %s for %s: %s", disconnect_id, row.username, error)


@shared_task(name="tasks.radius.send_disconnect")
def send_disconnect(disconnect_id: int) -> None:
    """Send one Disconnect-Request now (after the suspension that owes it committed)."""
    claimed = claim_for_sending(disconnect_id)
    db.session.commit()
    for claimed_id in claimed:
        _attempt(claimed_id)


@shared_task(name="tasks.radius.retry_disconnects")
def retry_disconnects() -> int:
    """Beat: send the requests that are due again (no answer yet) or whose sender vanished."""
    claimed = claim_for_sending(limit=SWEEP_LIMIT)
    db.session.commit()
    for claimed_id in claimed:
        _attempt(claimed_id)
    return len(claimed)


@shared_task(name="tasks.radius.close_ghost_sessions")
def close_ghost_sessions() -> int:
    """Beat: stop sessions whose NAS stopped sending interim updates (a lost Stop)."""
    closed = radius.close_ghost_sessions()
    if closed:
        log.info("closed %d ghost RADIUS sessions", closed)
    return closed
