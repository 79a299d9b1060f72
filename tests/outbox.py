"""Hold what operations send after commit (models/effects.py): record it instead of sending."""

from collections.abc import Iterator
from contextlib import contextmanager

from models import effects


@contextmanager
def recorded_effects() -> Iterator[list[tuple]]:
    """Within: tasks are recorded as (name, args, kwargs) and never reach a worker (as if their
    messages were lost); the real sender is back afterwards."""
    sent: list[tuple] = []

    def record(name: str, args=(), kwargs=None) -> None:
        sent.append((name, tuple(args), dict(kwargs or {})))

    previous = effects.set_sender(record)
    try:
        yield sent
    finally:
        effects.set_sender(previous)
