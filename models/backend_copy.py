"""The backend seam's PostgreSQL-only bulk paths, through psycopg: COPY in and out, named
cursors, and statements on a connection of their own (models/backend.py has the rest).

Callers use these only when `backend.has_server_features()`; each opens a raw connection
(or uses the session's, for COPY in) and leaves it clean for the pool.
"""

import io
import json
from collections.abc import Iterator

import psycopg
from sqlalchemy import Select

from models.backend import _db


def _bound_sql(select: Select, connection, dialect=None) -> str:
    """The SELECT with its parameters bound by psycopg, as COPY and named cursors need."""
    compiled = select.compile(
        dialect=dialect or _db().engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    return psycopg.ClientCursor(connection).mogrify(compiled.string, compiled.params)


def copy_csv_in(table: str, columns: str, rows_csv: io.StringIO) -> None:
    """COPY CSV text into `table` (`columns`: our own names, never input) on the session's
    connection, in its transaction."""
    raw = _db().session.connection().connection.driver_connection
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(rows_csv.getvalue())


def copy_csv_out(select: Select, delimiter: str, zone: str) -> Iterator[bytes]:
    """The rows of `select` as CSV lines formatted by PostgreSQL (dates: DateStyle
    'SQL, DMY' in time zone `zone`, NULL as nothing), one line at a time, on an own connection."""
    options = psycopg.sql.SQL("FORMAT csv, DELIMITER {}, NULL '', ENCODING 'UTF8'").format(
        psycopg.sql.Literal(delimiter)
    )
    raw = _db().engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:  # for this transaction only (SET LOCAL)
            cursor.execute("SET LOCAL DateStyle = 'SQL, DMY'")
            cursor.execute(
                psycopg.sql.SQL("SET LOCAL TimeZone = {}").format(psycopg.sql.Literal(zone))
            )
        statement = psycopg.sql.SQL("COPY ({}) TO STDOUT WITH ({})").format(
            psycopg.sql.SQL(_bound_sql(select, connection)), options
        )
        # PostgreSQL sends a COPY row per message, and psycopg hands over one message at a
        # time: the caller's loop runs once per row.
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            yield from copy
        connection.rollback()  # read only; leave the pooled connection clean
    finally:
        raw.close()


def cursor_rows(select: Select, batch: int) -> Iterator[tuple]:
    """The rows of `select` as plain tuples from a named (server-side) cursor on an own
    connection, `batch` at a time: no SQLAlchemy row objects or type processing."""
    raw = _db().engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor(name="export_rows") as cursor:
            cursor.itersize = batch
            cursor.execute(_bound_sql(select, connection))
            yield from cursor
        connection.rollback()
    finally:
        raw.close()


def estimated_count_apart(select: Select) -> int:
    """The planner's row estimate for `select` (EXPLAIN: no rows are read), on an own
    connection."""
    raw = _db().engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + _bound_sql(select, connection))
            plan = cursor.fetchone()[0]
        connection.rollback()
    finally:
        raw.close()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def first_row_apart(engine, select: Select) -> dict:
    """The first row of `select` by column name, on an own connection of `engine` (callable
    from a thread without an app context)."""
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:
            cursor.execute(_bound_sql(select, connection, engine.dialect))
            names = [column.name for column in cursor.description]
            row = dict(zip(names, cursor.fetchone(), strict=True))
        connection.rollback()
        return row
    finally:
        raw.close()
