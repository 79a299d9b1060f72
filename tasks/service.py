"""Service tasks: the scheduled-task sweeps and RADIUS (RFC 5176 requests, ghost sessions).

Scheduled suspend / enable / cancel: beat's sweep claims due tasks, workers apply them.

RADIUS work for the workers: Disconnect-Requests and CoA-Requests (RFC 5176), and closing ghost
sessions.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from flask import current_app
from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary
from pyrad.packet import CoAACK, CoANAK, CoARequest, DisconnectACK, DisconnectNAK, DisconnectRequest

from models.db import db
from models.effects import after_commit
from models.service import connection_records, radius, scheduled_tasks
from models.service.radius_disconnects import (
    ACKED,
    COA,
    NAKED,
    Disconnect,
    claim_for_sending,
    record_outcome,
)
from tasks.chunks import chunk, commit_in_chunks

log = logging.getLogger(__name__)
CLAIM_PAGE = 500  # rows claimed per statement
BATCH = 50  # task ids per message: fewer messages, and a dead worker loses at most this many
SWEEP_MAX = 50_000  # per sweep; the next sweep takes the rest


@shared_task(name="tasks.plans.sweep_scheduled_tasks")
def sweep_scheduled_tasks() -> int:
    """Claim due tasks (and those whose worker vanished) and hand them to workers in batches.

    Claims are committed before their messages are sent: a lost message or a crash between the
    two leaves the tasks `running` until their lease ends, and a later sweep claims them again.
    """
    settings = current_app.config["PROVEDOR_SETTINGS"]
    lease = timedelta(seconds=settings.scheduled_tasks_lease_seconds)

    def claim_page(claimed: int) -> tuple[int | None, int]:
        ids = scheduled_tasks.claim_due_tasks(CLAIM_PAGE, lease)
        for start in range(0, len(ids), BATCH):
            after_commit(apply_scheduled_tasks.name, ids[start : start + BATCH])
        claimed += len(ids)
        return (claimed if len(ids) == CLAIM_PAGE and claimed < SWEEP_MAX else None), len(ids)

    claimed = commit_in_chunks(claim_page, 0)
    if claimed:
        log.info("claimed %d scheduled tasks", claimed)
    return claimed


@shared_task(name="tasks.plans.apply_scheduled_tasks")
def apply_scheduled_tasks(task_ids: list[int]) -> int:
    """Apply a batch of claimed tasks in one transaction; return the size of the batch.

    One commit for the batch (not one per task) is what makes thousands a minute cheap. If the
    batch fails as a whole, each task is tried alone, so one bad task holds up no other.
    """
    with chunk():  # kept even if what follows kills this worker
        scheduled_tasks.count_attempt(task_ids)
    try:
        with chunk():
            scheduled_tasks.apply_tasks(task_ids)
    except Exception:
        log.exception("batch of scheduled tasks failed; applying them one by one")
        for task_id in task_ids:
            _apply_alone(task_id)
    return len(task_ids)


def _apply_alone(task_id: int) -> None:
    try:
        with chunk():
            scheduled_tasks.apply_task(task_id)
    except Exception:
        # Left `running`: its lease ends and a later sweep tries again (MAX_ATTEMPTS times).
        log.exception("scheduled task %s could not be applied", task_id)


log = logging.getLogger(__name__)
DICTIONARY = Dictionary(str(Path(__file__).with_name("radius.dictionary")))
SWEEP_LIMIT = 50


@dataclass(frozen=True)
class _Request:
    """What one request needs, copied out of the session before waiting on a NAS."""

    nas_ip: str
    coa_port: int
    secret: str
    username: str
    acct_session_id: str
    framed_ip: str | None
    kind: str = "disconnect"
    rate_limit: str | None = None
    address_list: str | None = None


# Request code, and the codes of its ACK and NAK (RFC 5176).
CODES = {
    "disconnect": (DisconnectRequest, DisconnectACK, DisconnectNAK),
    COA: (CoARequest, CoAACK, CoANAK),
}


def _send(request: _Request, timeout: float) -> tuple[str | None, str | None]:
    """Send one Disconnect-Request or CoA-Request; return (acked|naked|None, error)."""
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
    if request.rate_limit:
        attributes["Mikrotik_Rate_Limit"] = request.rate_limit
    if request.address_list:
        attributes["Mikrotik_Address_List"] = request.address_list
    code, ack, nak = CODES[request.kind]
    packet = client.CreateCoAPacket(code=code, **attributes)
    try:
        reply = client.SendPacket(packet)
    except Timeout:
        return None, f"No answer from {where}."
    except OSError as error:
        return None, f"Could not reach {where}: {error.strerror or error}."
    finally:
        client._CloseSocket()  # pyrad keeps it open otherwise
    if reply.code == ack:
        return ACKED, None
    if reply.code == nak:
        cause = reply.get("Error-Cause", [None])[0]
        return NAKED, f"NAS refused (Error-Cause {cause})."
    return None, f"Unexpected answer code {reply.code}."


def _request_for(disconnect_id: int) -> tuple[str, _Request | None]:
    """The request's NAS address, and what it needs (None when that NAS is unknown)."""
    row = db.session.get(Disconnect, disconnect_id)
    nas = db.session.scalar(db.select(radius.Nas).where(radius.Nas.nasname == row.nas_ip))
    if nas is None:
        return row.nas_ip, None
    return row.nas_ip, _Request(
        row.nas_ip,
        nas.coa_port,
        nas.secret,
        row.username,
        row.acct_session_id,
        row.framed_ip,
        row.kind,
        row.rate_limit,
        row.address_list,
    )


def _attempt(disconnect_id: int, lease) -> None:
    """Send a claimed request and record the outcome; no transaction is open while waiting."""
    with chunk():  # nothing is locked or held while the NAS takes its time
        nas_ip, request = _request_for(disconnect_id)
    rules = radius.policy()
    if request is None:
        answered, error = None, f"NAS {nas_ip} is not in the nas table."
    else:
        answered, error = _send(request, rules.disconnect_timeout_s)
    with chunk():
        recorded = record_outcome(disconnect_id, lease, answered, error, rules.disconnect_attempts)
    if not recorded:
        log.warning(
            "disconnect %s: outcome (%s) not recorded, its row was taken over",
            disconnect_id,
            answered or error,
        )
    elif error:
        log.warning("disconnect %s: %s", disconnect_id, error)


@shared_task(name="tasks.radius.send_requests")
def send_requests(request_ids: list[int]) -> None:
    """Send these RFC 5176 requests now (after the change that owes them committed), one at a
    time, each claimed right before it is sent; one taken by another sender is skipped."""
    for request_id in request_ids:
        with chunk():
            claimed = claim_for_sending(request_id)
        if claimed:
            _attempt(*claimed)


@shared_task(name="tasks.radius.retry_disconnects")
def retry_disconnects() -> int:
    """Beat: send the requests that are due again (no answer yet) or whose sender vanished.

    One row is claimed right before it is sent, so a slow NAS never outlives a claim.
    """
    sent = 0
    while sent < SWEEP_LIMIT:
        with chunk():
            claimed = claim_for_sending()
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


@shared_task(name="tasks.radius.create_radacct_partitions")
def create_radacct_partitions() -> list[str]:
    """Beat: radacct's partitions for this month and the next ones (PostgreSQL), made before
    FreeRADIUS writes into them."""
    made = connection_records.create_partitions_ahead()
    if made:
        log.info("created radacct partitions %s", ", ".join(made))
    return made


@shared_task(name="tasks.radius.purge_connection_records")
def purge_connection_records() -> dict:
    """Beat: delete the connection records past the retention period (Marco Civil, art. 13),
    except open sessions and those under a legal hold: whole months first, then the rest in
    committed batches (a killed worker loses one batch; the next run finds the rest)."""
    before = connection_records.cutoff()
    held = connection_records.held_usernames()
    with chunk():
        dropped = connection_records.drop_expired_months(before, held)

    def step(_cursor):
        deleted = connection_records.delete_expired(before, held)
        return (None if deleted == 0 else True), deleted

    deleted = commit_in_chunks(step, True)
    if dropped or deleted:
        log.info(
            "connection records: dropped partitions %s, deleted %d rows",
            ", ".join(dropped) or "none",
            deleted,
        )
    return {"dropped": dropped, "deleted": deleted}
