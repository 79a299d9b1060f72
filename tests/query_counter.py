"""Count the SQL statements the app sends, to prove a route runs a fixed number of queries."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from models.db import db


class Statements(list):
    """The statements sent while counting, in order (their SQL text)."""

    @property
    def count(self) -> int:
        return len(self)


@contextmanager
def counting_statements(app: Flask) -> Iterator[Statements]:
    """Record every statement the app's engine executes inside the block.

    Listens on the engine itself, so it sees what the test client's requests run (and only
    the app's database: BEGIN and COMMIT issued by the driver are not statements here).
    """
    seen = Statements()

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
