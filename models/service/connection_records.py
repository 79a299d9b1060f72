"""Connection records (radacct) kept as the Marco Civil da Internet (Lei 12.965/2014, art. 13)
asks: at least a year, then deleted, except those under a legal hold.

A record is deleted once its session ended (`acctstoptime`) more than the retention period ago
(CONNECTION_RECORDS_RETENTION_DAYS, 365 at least). A session that never stopped is open, and
open sessions are never deleted: the ghost-session sweep and a NAS's Accounting-On/Off give them
a stop time, after which the period runs. Records of a username a customer under legal hold has
had are kept (models/service/legal_holds.py).

On PostgreSQL radacct is partitioned by month of `acctstarttime` (UTC months, partitions named
radacct_yYYYYmMM, plus radacct_default for anything outside them). A month wholly before the
cutoff whose rows are all deletable goes by DETACH + DROP, in one short statement each; a month
holding a kept row (held, open, or ended within the period) is thinned row by row instead, as
is the default partition and SQLite's plain table.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from models.backend import has_server_features
from models.clock import utcnow
from models.db import db
from models.service.legal_holds import LegalHold, held_usernames
from models.service.radius import RadAcct
from models.settings import current

MINIMUM_RETENTION_DAYS = 365  # Marco Civil, art. 13: "pelo prazo de 1 (um) ano"
DELETE_BATCH = 5000


class RetentionTooShort(ValueError):
    """A retention period below what the Marco Civil requires."""


@dataclass(frozen=True)
class RecordsPolicy:
    """How long connection records are kept, and how many months of partitions are made ahead."""

    retention_days: int = MINIMUM_RETENTION_DAYS
    partitions_ahead: int = 3

    def __post_init__(self):
        if self.retention_days < MINIMUM_RETENTION_DAYS:
            raise RetentionTooShort(
                f"Connection records must be kept at least {MINIMUM_RETENTION_DAYS} days "
                f"(Marco Civil da Internet, art. 13), not {self.retention_days}."
            )


def policy() -> RecordsPolicy:
    return current(RecordsPolicy)


# Partitions (PostgreSQL).


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def partition_name(start: datetime) -> str:
    return f"radacct_y{start.year:04d}m{start.month:02d}"


def _lock_partitions() -> None:
    """One maker or dropper of partitions at a time (two beats, a run by hand), until commit."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('radacct partitions'))"))


def _partitions() -> dict[str, tuple[datetime, datetime]]:
    """radacct's monthly partitions now: {name: (from, to)}, the default one left out."""
    rows = db.session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'radacct'::regclass"
        )
    ).scalars()
    found = {}
    for name in rows:
        if name.startswith("radacct_y"):
            start = datetime(int(name[9:13]), int(name[14:16]), 1, tzinfo=UTC)
            found[name] = (start, next_month(start))
    return found


def create_partition(start: datetime) -> bool:
    """Make the month partition from `start` unless it exists; rows of that month that landed
    in the default partition move into it. Whether it was made."""
    name = partition_name(start)
    if name in _partitions():
        return False
    bounds = {"lo": start, "hi": next_month(start)}
    db.session.execute(text(f"CREATE TABLE {name} (LIKE radacct INCLUDING DEFAULTS)"))
    db.session.execute(
        text(
            f"WITH moved AS (DELETE FROM radacct_default WHERE acctstarttime >= :lo "  # noqa: S608
            f"AND acctstarttime < :hi RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        ),
        bounds,
    )
    db.session.execute(
        text(
            f"ALTER TABLE radacct ATTACH PARTITION {name} "
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{bounds['hi'].isoformat()}')"
        )
    )
    return True


def create_partitions_ahead(now: datetime | None = None) -> list[str]:
    """This month's partition and the policy's months ahead (PostgreSQL; SQLite: none)."""
    if not has_server_features():
        return []
    _lock_partitions()
    start, made = month_start(now or utcnow()), []
    for _ in range(policy().partitions_ahead + 1):
        if create_partition(start):
            made.append(partition_name(start))
        start = next_month(start)
    return made


# Retention.


@dataclass
class Purge:
    dropped: list[str]
    deleted: int


def _kept(held: set[str], cutoff: datetime):
    """SQL condition: a row retention must keep."""
    kept = RadAcct.acctstoptime.is_(None) | (RadAcct.acctstoptime >= cutoff)
    if held:
        kept = kept | RadAcct.username.in_(held)
    return kept


def _drop_whole_months(held: set[str], cutoff: datetime) -> list[str]:
    """Drop the month partitions that end by the cutoff and hold no row to keep."""
    dropped = []
    for name, (_start, end) in sorted(_partitions().items()):
        if end > cutoff:
            continue
        # No row may arrive (a late Stop's INSERT) between the check and the drop.
        db.session.execute(text(f"LOCK TABLE {name} IN SHARE MODE"))
        table = db.table(name, db.column("username"), db.column("acctstoptime"))
        stop = table.c.acctstoptime
        kept = stop.is_(None) | (stop >= cutoff)
        if held:
            kept = kept | table.c.username.in_(held)
        if db.session.execute(db.select(db.literal(1)).where(kept).limit(1)).first():
            continue
        db.session.execute(text(f"ALTER TABLE radacct DETACH PARTITION {name}"))
        db.session.execute(text(f"DROP TABLE {name}"))
        dropped.append(name)
    return dropped


def cutoff(now: datetime | None = None) -> datetime:
    """Records whose session ended before this instant are past the retention period."""
    return (now or utcnow()) - timedelta(days=policy().retention_days)


def drop_expired_months(before: datetime, held: set[str]) -> list[str]:
    """PostgreSQL: drop the month partitions wholly past `before` with no row to keep."""
    if not has_server_features():
        return []
    _lock_partitions()
    return _drop_whole_months(held, before)


def delete_expired(before: datetime, held: set[str], limit: int = DELETE_BATCH) -> int:
    """Delete up to `limit` records ended before `before`, open and held ones kept; how many."""
    # Stop >= start, so only rows that started before the cutoff can be due (partition pruning).
    due = db.select(RadAcct.radacctid).where(RadAcct.acctstarttime < before, ~_kept(held, before))
    ids = list(db.session.scalars(due.limit(limit)))
    if not ids:
        return 0
    statement = db.delete(RadAcct).where(RadAcct.radacctid.in_(ids), RadAcct.acctstarttime < before)
    return db.session.execute(statement).rowcount


def purge_expired(now: datetime | None = None) -> Purge:
    """Everything past the retention period in one transaction (the task commits in chunks
    instead): whole months by partition where PostgreSQL can, the rest row by row."""
    before, held = cutoff(now), held_usernames()
    dropped, deleted = drop_expired_months(before, held), 0
    while count := delete_expired(before, held):
        deleted += count
    return Purge(dropped, deleted)


def retention_status(now: datetime | None = None) -> dict:
    """The retention as it runs: its period, the cutoff, the month partitions, holds in force."""
    months = sorted(_partitions().items()) if has_server_features() else []
    holds = db.select(db.func.count()).where(LegalHold.lifted_at.is_(None))
    return {
        "retention_days": policy().retention_days,
        "minimum_days": MINIMUM_RETENTION_DAYS,
        "cutoff": cutoff(now),
        "partitioned": has_server_features(),
        "partitions": [{"name": n, "starts": s, "ends": e} for n, (s, e) in months],
        "holds_in_force": db.session.scalar(holds),
    }
