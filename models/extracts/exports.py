"""Export jobs [6.6.1]: an extract written to a file by a worker, downloaded later.

A job is a row with its parameters, status and progress (queued -> running -> done | failed,
then expired when its file is deleted). Only one worker runs a job: it claims the row from
`queued`. A running job proves it is alive with `heartbeat_at`; beat puts back in the queue a
job whose worker vanished (or fails it after MAX_ATTEMPTS), so none stays `running` forever.
A queued job's message can be lost (the broker was down when it was sent, or restarted without
it): beat sends it again once it has waited EXPORTS_RESEND_SECONDS, so none stays `queued`.
"""

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.clock import utcnow
from models.db import JSONType, UTCDateTime, db, get_row, paginate
from models.effects import after_commit
from models.errors import Conflict, Invalid, NotFound, TooManyAttempts
from models.extracts import extracts, record_reads
from models.extracts.settings import ExtractSettings
from models.settings import current
from models.staff.users import ADMIN, User

QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, EXPIRED)
UNFINISHED = (QUEUED, RUNNING)
FORMATS = ("xlsx", "csv", "txt")
MAX_ATTEMPTS = 2  # a job whose worker died twice is failed, not tried forever
RETRY_AFTER_SECONDS = 30
RUN_TASK = "tasks.exports.run_export"


class Export(db.Model):
    """One export job and, once done, its file (under a name the server chose)."""

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"format IN {FORMATS!r}", name="format_known"),
        Index("ix_exports_user_status", "user_id", "status"),
        Index("ix_exports_status_heartbeat", "status", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # null: from the CLI
    requested_by: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(4))
    # filters, columns, title, totals, delimiter, decimal_separator, as validated
    params: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Running: the worker's last sign of life. Queued: when its message was last sent again
    # (none yet: created_at), so beat's re-sending waits between tries.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> float | None:
        if self.status == DONE:
            return 100.0
        if not self.rows_total:
            return None
        return round(min(100.0, 100.0 * self.rows_written / self.rows_total), 1)

    @property
    def seconds_left(self) -> int | None:
        """At the pace so far; None until there is a pace to go by."""
        if self.status != RUNNING or not self.rows_total or not self.rows_written:
            return None
        elapsed = ((self.heartbeat_at or utcnow()) - self.started_at).total_seconds()
        pace = self.rows_written / max(elapsed, 0.001)
        return max(0, round((self.rows_total - self.rows_written) / pace))

    @property
    def download_name(self) -> str:
        """A safe attachment name: never anything the user typed."""
        return f"{self.source}-{self.id}.{self.format}"


class ExportDownload(db.Model):
    """Who downloaded an export's file, when, from where."""

    __tablename__ = "export_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("exports.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    downloaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(45))


def storage_dir() -> Path:
    """Where export files live (EXPORTS_DIR): every web and worker host must reach it."""
    return current(ExtractSettings).exports_dir


def checked_columns(source: str, asked: list[dict] | None) -> list[dict]:
    """The columns to write, in order, with their headings and widths (defaults filled in)."""
    offered = {column.field: column for column in extracts.columns_of(source)}
    if not asked:
        return [
            {"field": c.field, "title": c.title, "width_px": c.width_px} for c in offered.values()
        ]
    seen, chosen = set(), []
    for index, column in enumerate(asked):
        field = column["field"]
        if field not in offered:
            raise Invalid.field(
                f"columns.{index}.field", f"Unknown column; {source} has {', '.join(offered)}."
            )
        if field in seen:
            raise Invalid.field(f"columns.{index}.field", "Column given twice.")
        seen.add(field)
        chosen.append(
            {
                "field": field,
                "title": column.get("title") or offered[field].title,
                "width_px": column.get("width_px") or offered[field].width_px,
            }
        )
    return chosen


def check_running_limit(user: User | None) -> None:
    if user is None:
        return
    limit = current(ExtractSettings).exports_max_running
    running = db.session.scalar(
        db.select(db.func.count(Export.id)).where(
            Export.user_id == user.id, Export.status.in_(UNFINISHED)
        )
    )
    if running >= limit:
        raise TooManyAttempts(
            f"You have {running} exports queued or running (at most {limit}); wait for one.",
            RETRY_AFTER_SECONDS,
        )


# The filters each source knows; another one is a mistake worth a 422, not silence.
FILTERS = {
    extracts.CONNECTIONS: {"customer_code", "login", "nas", "from", "to"},
    extracts.CALLS: {"customer_code", "terminal", "termination", "from", "to"},
}


def create_export(data: dict, user: User | None, requested_by: str) -> Export:
    """A queued job, after checking everything a worker would trip on (422) and the user's
    running limit (429). Run by the caller (the CLI); `start_export` hands it to a worker."""
    source, filters = data["source"], data.get("filters", {})
    for name in sorted(set(filters) - FILTERS[source]):
        raise Invalid.field(f"filters.{name}", f"Not a filter of {source}.")
    try:
        extracts.filtered(source, filters)  # validates the period, login, terminal...
    except Invalid as error:  # named as the request names them: filters.to, not to
        named = {f"filters.{field}": messages for field, messages in error.errors.items()}
        raise Invalid(f"Invalid value for {', '.join(named)}.", named) from None
    params = {
        "filters": _json_filters(filters),
        "columns": checked_columns(source, data.get("columns")),
        "title": data.get("title") or "",
        "totals": bool(data.get("totals")),
        "delimiter": data.get("delimiter") or ";",
        "decimal_separator": data.get("decimal_separator") or ",",
    }
    if params["delimiter"] == params["decimal_separator"]:
        raise Invalid.field("decimal_separator", "Must differ from the delimiter.")
    check_running_limit(user)
    export = Export(
        user_id=user.id if user else None,
        requested_by=requested_by,
        source=source,
        format=data["format"],
        params=params,
        status=QUEUED,
    )
    db.session.add(export)
    db.session.flush()
    if source == extracts.CONNECTIONS:  # logged once, now: the filter is fixed from here on
        record_reads.record_read(
            record_reads.EXPORT,
            record_reads.logged_filters(filters, format=export.format),
            customer_code=filters.get("customer_code"),
            export_id=export.id,
            user=user,
        )
    return export


def start_export(data: dict, user: User) -> Export:
    """Create `user`'s export job (see `create_export`); a worker runs it after the commit."""
    export = create_export(data, user, user.username)
    after_commit(RUN_TASK, export.id, requested_by=user.id)
    return export


def _json_filters(filters: dict) -> dict:
    """The filters as JSON keeps them: dates as ISO text, an IP address as text."""
    kept = {}
    for key, value in filters.items():
        if value in (None, ""):
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif not isinstance(value, int | str):
            value = str(value)
        kept[key] = value
    return kept


def stored_filters(export: Export) -> dict:
    """The job's filters with their dates back as dates."""
    filters = dict(export.params["filters"])
    for key in ("from", "to"):
        if filters.get(key):
            filters[key] = datetime.fromisoformat(filters[key]).date()
    return filters


def get_export(export_id: int, user: User) -> Export:
    """The job, to its requester or an admin; 404 to anyone else (no telling it exists)."""
    export = get_row(Export, export_id, "Export")
    if export.user_id != user.id and user.role != ADMIN:
        raise NotFound(f"Export {export_id} not found.")
    return export


def list_exports(user: User, page: int, per_page: int) -> tuple[list[Export], int]:
    """The user's own exports, newest first."""
    query = db.select(Export).where(Export.user_id == user.id).order_by(Export.id.desc())
    return paginate(query, page, per_page)


def record_download(export: Export, user: User, remote_addr: str | None) -> Path:
    """The file to send, its download recorded; 409 when there is no file (yet, or any more)."""
    if export.status != DONE or not export.file_name:
        raise Conflict(f"This export is {export.status}: there is no file to download.")
    if export.expires_at is not None and export.expires_at <= utcnow():
        # Beat deletes it at its next purge; until then it is as gone as after it.
        raise Conflict("This export is expired: there is no file to download.")
    path = storage_dir() / export.file_name
    if not path.is_file():
        raise Conflict("The export's file is gone; run the export again.")
    db.session.add(ExportDownload(export_id=export.id, user_id=user.id, remote_addr=remote_addr))
    return path


def claim(export_id: int) -> Export | None:
    """Take a queued job for this worker (only one claimer wins), or None."""
    now = utcnow()
    claimed = db.session.execute(
        db.update(Export)
        .where(Export.id == export_id, Export.status == QUEUED)
        .values(
            status=RUNNING,
            attempts=Export.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            rows_written=0,
            error=None,
        )
        .returning(Export.id)
    ).scalar()
    return db.session.get(Export, claimed) if claimed else None


def finish(export: Export, file_name: str, size: int, rows: int) -> None:
    now = utcnow()
    export.status, export.file_name, export.file_size = DONE, file_name, size
    export.rows_written, export.finished_at = rows, now
    export.heartbeat_at = now
    export.expires_at = now + timedelta(hours=current(ExtractSettings).exports_ttl_hours)
    if export.source == extracts.CONNECTIONS:
        record_reads.note_rows_written(export.id, rows)


def fail(export: Export, error: str) -> None:
    export.status, export.error, export.finished_at = FAILED, error, utcnow()


def stale_exports(stale_after: timedelta) -> list[Export]:
    """Running jobs whose worker has not reported for `stale_after`: it vanished."""
    return list(
        db.session.scalars(
            db.select(Export)
            .where(Export.status == RUNNING, Export.heartbeat_at < utcnow() - stale_after)
            .with_for_update(skip_locked=True)
        )
    )


def requeue_or_fail(export: Export) -> bool:
    """A vanished worker's job: back to the queue, its task sent after the commit (True), or
    failed after MAX_ATTEMPTS."""
    if export.attempts >= MAX_ATTEMPTS:
        fail(
            export,
            "The worker running this export stopped; it was tried "
            f"{export.attempts} times. Run it again.",
        )
        return False
    export.status, export.rows_written = QUEUED, 0
    export.heartbeat_at = utcnow()  # its message is sent now: not one to re-send yet
    after_commit(RUN_TASK, export.id)
    return True


def forgotten_exports(waited: timedelta, limit: int = 100) -> list[Export]:
    """Jobs queued for longer than `waited` that no worker took: their message was lost (the
    broker was down or restarted). Sent again after the commit and marked as sent now, so the
    next try waits as long again.

    Sending one twice is harmless: only one worker claims a queued job."""
    sent_before = utcnow() - waited
    forgotten = list(
        db.session.scalars(
            db.select(Export)
            .where(
                Export.status == QUEUED,
                db.func.coalesce(Export.heartbeat_at, Export.created_at) < sent_before,
            )
            .order_by(Export.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for export in forgotten:
        export.heartbeat_at = utcnow()
        after_commit(RUN_TASK, export.id)
    return forgotten


def expired_exports(limit: int) -> list[Export]:
    """Finished jobs past their expiry whose file is to be deleted."""
    return list(
        db.session.scalars(
            db.select(Export)
            .where(Export.status == DONE, Export.expires_at < utcnow())
            .order_by(Export.expires_at)
            .limit(limit)
        )
    )
