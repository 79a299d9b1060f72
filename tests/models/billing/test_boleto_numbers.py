"""Nosso-número sequences: per agreement, from 1, never the same value twice, even in parallel."""

import threading

from models.billing.boleto_numbers import BoletoSequence, next_nosso_numero
from models.db import db


def _draw(app, bank="001", agreement="1234567") -> int:
    with app.app_context():
        value = next_nosso_numero(bank, agreement)
        db.session.commit()
        return value


def test_each_agreement_counts_from_1(app):
    assert [_draw(app) for _ in range(3)] == [1, 2, 3]
    assert _draw(app, agreement="7654321") == 1
    assert _draw(app, bank="237", agreement="1234567") == 1
    assert _draw(app) == 4


def test_a_rolled_back_draw_gives_its_number_back(app):
    assert _draw(app) == 1
    with app.app_context():
        assert next_nosso_numero("001", "1234567") == 2
        db.session.rollback()
    assert _draw(app) == 2


def test_parallel_draws_never_share_a_number(app):
    threads, per_thread = 8, 15
    drawn: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker():
        try:
            start.wait()
            for _ in range(per_thread):
                value = _draw(app)
                drawn.append(value)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not errors
    assert sorted(drawn) == list(range(1, threads * per_thread + 1))
    with app.app_context():
        row = db.session.get(BoletoSequence, ("001", "1234567"))
        assert row.next_value == threads * per_thread + 1


def test_the_first_draws_of_a_new_agreement_race_safely(app):
    """Every thread starts on an agreement without a counter: one creates it, none fails."""
    threads = 6
    drawn: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker():
        try:
            start.wait()
            drawn.append(_draw(app, agreement="9999999"))
        except BaseException as error:
            errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not errors
    assert sorted(drawn) == list(range(1, threads + 1))
