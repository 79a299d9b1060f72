"""Export jobs in the workers: run one, put back the ones whose worker vanished, purge old files.

A job writes `<id>.<format>.part` and renames it only when complete, so a worker killed midway
leaves no file to download; beat's `recover_stale_exports` then queues the job again (or fails
it after models.extracts.exports.MAX_ATTEMPTS), and sends again the jobs still queued whose message
was
lost. The job reports progress, which doubles as its
heartbeat, from its own short transactions while the rows stream in.
"""

import logging
import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy.exc import OperationalError

from models import backend, clock
from models.clock import utcnow
from models.db import db
from models.extracts import anatel_access, extracts
from models.extracts import exports as jobs
from models.extracts.export_text import (
    BackgroundQuery,
    TextLayout,
    copy_rows,
    estimate_rows,
    fetch_rows,
    stream_rows,
    write_preamble,
    write_totals,
)
from models.extracts.exports import RUNNING, Export
from tasks.chunks import chunk, commit_progress

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 1.0
HEARTBEAT_LOCK_WAIT = "2s"
DEFAULT_TITLES = {
    extracts.CONNECTIONS: "Extrato de Conexões",
    extracts.CALLS: "Extrato de Ligações",
}
PURGE_LIMIT = 500


class Abandoned(Exception):
    """The job is no longer this worker's (beat gave it to another, or it was failed)."""


class Progress:
    """Writes rows_written and the heartbeat at most once a second, in its own transaction.

    While the rows stream, the reading connection holds its locks. A heartbeat that waited
    on a lock (say, schema maintenance queued behind the reading) would wait on itself
    through us: it gives up after HEARTBEAT_LOCK_WAIT and is skipped; the next one tries again.
    The last one (`force`), after the reading ended, waits as long as it takes."""

    def __init__(self, export_id: int):
        self.export_id = export_id
        self.last = 0.0

    def __call__(self, rows: int, total: int | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < HEARTBEAT_SECONDS:
            return
        self.last = now
        try:
            updated = self._write(rows, wait=force)
        except OperationalError:
            if force:
                raise
            log.warning("export %s: progress not recorded (waiting on a lock)", self.export_id)
            return
        if updated == 0:
            raise Abandoned(self.export_id)

    def _write(self, rows: int, wait: bool) -> int:
        with commit_progress() as connection:  # not the session's: it is streaming rows
            if not wait:
                backend.set_lock_timeout(connection, HEARTBEAT_LOCK_WAIT)
            return connection.execute(
                db.update(Export)
                .where(Export.id == self.export_id, Export.status == RUNNING)
                .values(rows_written=rows, heartbeat_at=utcnow())
            ).rowcount


def _chosen_columns(export: Export) -> tuple[list[extracts.Column], list[dict]]:
    """The chosen columns (the source's, in the asked order) and their headings and widths."""
    offered = {column.field: column for column in extracts.columns_of(export.source)}
    chosen = export.params["columns"]
    return [offered[column["field"]] for column in chosen], chosen


class Sums:
    """The totals of the export's rows (their count is also `rows_total`, for progress).

    On PostgreSQL they are summed on a second connection while the rows stream, and progress
    goes by the planner's estimate meanwhile; elsewhere they are summed first."""

    def __init__(self, export: Export, query):
        self.background = None
        if backend.has_server_features():
            self.estimate = estimate_rows(query)
            self.background = BackgroundQuery(extracts.totals_select(export.source, query))
            self.sums = None
        else:
            self.sums = extracts.sums_of(
                db.session.execute(extracts.totals_select(export.source, query)).one()._mapping
            )
            self.estimate = self.sums["rows"]

    def result(self) -> dict:
        if self.sums is None:
            self.sums = extracts.sums_of(self.background.result())
        return self.sums


def totals_row(columns: list[extracts.Column], sums: dict) -> tuple:
    """Each summed column's total; the row count in the first column that has no sum (or an
    extra last cell when every column has one)."""
    label = f"Total: {sums['rows']} linhas"
    cells = [sums[column.total_key] if column.summed else None for column in columns]
    for index, column in enumerate(columns):
        if not column.summed:
            cells[index] = label
            return tuple(cells)
    return (*cells, label)


def write_file(export: Export, path: Path, on_progress: Callable[[int, int], None]) -> int:
    """Write the export's file at `path`, committing as it goes; returns the number of data rows.

    `on_progress(rows_written, rows_total)` is called as the rows stream in."""
    if export.source == anatel_access.SOURCE:
        return _write_anatel_access(export, path, on_progress)
    columns, chosen = _chosen_columns(export)
    source, file_format, params = export.source, export.format, dict(export.params)
    # rows_total is known (or estimated): show it while the file is written. From here until
    # the rows are written the session stays out of the exports table (no lock held there).
    with chunk():
        query = extracts.filtered(source, jobs.stored_filters(export))
        sums = Sums(export, query)
        export.rows_total = sums.estimate

    def report(rows: int) -> None:
        on_progress(rows, sums.estimate)

    def totals() -> tuple:
        return totals_row(columns, sums.result())

    title = params["title"] or DEFAULT_TITLES[source]
    zone = clock.zone()
    with chunk():  # ends the reading transaction (SQLite could not write after it)
        if file_format == "xlsx":
            rows = _write_xlsx(path, title, query, columns, chosen, params, totals, report, zone)
        else:
            layout = TextLayout(
                delimited_txt=file_format == "txt",
                delimiter=params["delimiter"],
                decimal_separator=params["decimal_separator"],
                zone=zone,
            )
            rows = _write_text(
                path, layout, query, columns, [c["title"] for c in chosen], title,
                totals if params["totals"] else None, report,
            )  # fmt: skip
        export.rows_total = sums.result()["rows"]
    return rows


def _write_anatel_access(export: Export, path: Path, on_progress) -> int:
    """Anatel's monthly access report: a few hundred lines at most (one per municipality,
    customer kind, area, plan attributes and speed), counted first, then written."""
    with chunk():
        rows = anatel_access.rows_of(export)
        export.rows_total = len(rows)
    with chunk():
        return anatel_access.write_csv(path, rows, lambda written: on_progress(written, len(rows)))


def _write_xlsx(path, title, query, columns, chosen, params, totals, report, zone) -> int:
    """An Excel workbook (with a column for the row count when every column has a sum)."""
    from models.extracts.export_xlsx import XlsxColumn, write_xlsx

    layout = [
        XlsxColumn(c["title"], column.kind, c["width_px"])
        for c, column in zip(chosen, columns, strict=True)
    ]
    if params["totals"] and all(column.summed for column in columns):
        layout.append(XlsxColumn("", extracts.TEXT, 120))  # for the row count
    return write_xlsx(
        path,
        title,
        layout,
        fetch_rows(query, columns, zone),
        totals if params["totals"] else None,
        report,
        zone=zone,
    )


def _write_text(path, layout, query, columns, headings, title, totals, report) -> int:
    """CSV (with a BOM, so that Excel reads the accents as UTF-8) or TXT."""
    kinds = [column.kind for column in columns]
    with path.open("w", encoding="utf-8", newline="") as out:
        if not layout.delimited_txt:
            out.write("\ufeff")
        write_preamble(out, layout, title, headings)
        if backend.has_server_features():
            out.flush()
            rows = copy_rows(out.buffer, query, columns, layout, report)
        else:
            rows = stream_rows(out, query, columns, layout, report)
        if totals is not None:
            cells = totals()
            write_totals(out, layout, cells, kinds + [extracts.TEXT] * (len(cells) - len(kinds)))
    return rows


def run(export_id: int, on_progress: Callable[[int, int], None] | None = None) -> Export | None:
    """Claim the job and write its file; None when it was not queued (another worker has it).

    The caller's transaction is committed here at each step; on an error the job is failed
    (and the error raised again for the caller to log), unless beat took it over meanwhile."""
    with chunk():
        export = jobs.claim(export_id)
    if export is None:
        return None
    folder = jobs.storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{export.id}.{export.format}.part"
    heartbeat = Progress(export.id)

    def progress(rows: int, total: int) -> None:
        heartbeat(rows)
        if on_progress:
            on_progress(rows, total)

    try:
        rows = write_file(export, part, progress)
        final = f"{export.id}-{secrets.token_hex(8)}.{export.format}"
        heartbeat(rows, force=True)  # still ours? then the file becomes visible
        os.replace(part, folder / final)
        with chunk():
            jobs.finish(export, final, (folder / final).stat().st_size, rows)
        return export
    except Abandoned:
        db.session.rollback()
        part.unlink(missing_ok=True)
        log.warning("export %s was taken over while running; this worker stops", export_id)
        return None
    except BaseException as error:
        db.session.rollback()
        part.unlink(missing_ok=True)
        if isinstance(error, Exception | SoftTimeLimitExceeded):
            _fail(export_id, error)
        raise


def _fail(export_id: int, error: BaseException) -> None:
    reason = (
        "it took longer than allowed"
        if isinstance(error, SoftTimeLimitExceeded)
        else ("an unexpected error; the operators' log has the details")
    )
    with chunk():
        export = db.session.get(Export, export_id)
        if export is not None and export.status == RUNNING:
            jobs.fail(export, f"The export failed: {reason}.")


# Hours of work means something is wrong (the period cap keeps honest exports far below).
@shared_task(name="tasks.exports.run_export", soft_time_limit=2 * 3600, time_limit=2 * 3600 + 60)
def run_export(export_id: int, requested_by: int | None = None) -> str:
    """Write a queued export's file (a duplicate delivery finds it taken and does nothing)."""
    try:
        export = run(export_id)
    except Exception:
        log.exception("export %s failed", export_id)
        return "failed"
    return "done" if export else "not queued"


@shared_task(name="tasks.exports.recover_stale_exports")
def recover_stale_exports() -> int:
    """Beat: jobs whose worker stopped reporting go back to the queue (or fail after retries),
    and queued jobs no worker took are sent again; how many messages were sent."""
    stale_after = timedelta(seconds=current_app.config["EXPORTS_STALE_SECONDS"])
    sent = 0
    for export in jobs.stale_exports(stale_after):
        if jobs.requeue_or_fail(export):
            sent += 1
        log.warning("export %s: its worker vanished; now %s", export.id, export.status)
    waited = timedelta(seconds=current_app.config["EXPORTS_RESEND_SECONDS"])
    for export in jobs.forgotten_exports(waited):
        sent += 1
        log.warning(
            "export %s was still queued after %s: its task is sent again", export.id, waited
        )
    return sent


@shared_task(name="tasks.exports.purge_expired_exports")
def purge_expired_exports() -> int:
    """Beat: delete files past their expiry (status `expired`) and parts left by dead workers."""
    folder = jobs.storage_dir()
    expired = jobs.expired_exports(PURGE_LIMIT)
    for export in expired:
        (folder / export.file_name).unlink(missing_ok=True)
        export.status = jobs.EXPIRED
    cutoff = time.time() - 2 * current_app.config["EXPORTS_STALE_SECONDS"]
    if folder.is_dir():
        for part in folder.glob("*.part"):
            if part.stat().st_mtime < cutoff and not _running(part):
                part.unlink(missing_ok=True)
    return len(expired)


def _running(part: Path) -> bool:
    export_id = int(part.name.split(".", 1)[0])
    export = db.session.get(Export, export_id)
    return export is not None and export.status in jobs.UNFINISHED
