"""The after-commit outbox (models/effects.py): what an operation queues is sent by name only
once its outermost transaction commits, never after a rollback, and a failed send is no error."""

import logging

import pytest

from models import effects
from models.db import db
from models.effects import after_commit
from tests.outbox import recorded_effects

TASK = "tests.effects.some_task"


@pytest.fixture
def sent(app):
    """What the outbox sends, recorded; the test runs inside an app context."""
    with app.app_context(), recorded_effects() as recorded:
        yield recorded


def test_an_effect_is_sent_by_name_only_when_the_transaction_commits(sent):
    after_commit(TASK, 7, "x", requested_by=3)
    db.session.flush()
    assert sent == []  # queued, not sent, until the commit
    db.session.commit()
    assert sent == [(TASK, (7, "x"), {"requested_by": 3})]
    db.session.commit()
    assert len(sent) == 1  # sent once: a later commit sends nothing again


def test_a_rollback_or_a_close_drops_the_effects(sent):
    after_commit(TASK, 1)
    db.session.rollback()
    after_commit(TASK, 2)
    db.session.close()
    db.session.commit()  # a later commit must not send what the rollback or close dropped
    assert sent == []


def test_a_savepoint_rollback_keeps_the_effects_of_the_outer_transaction(sent):
    after_commit(TASK, 1)
    savepoint = db.session.begin_nested()
    after_commit(TASK, 2)
    savepoint.rollback()
    assert sent == []
    db.session.commit()
    assert [args for _, args, _ in sent] == [(1,), (2,)]


def test_effects_go_in_the_order_they_were_queued(sent):
    for number in range(5):
        after_commit(TASK, number)
    db.session.commit()
    assert [args for _, args, _ in sent] == [(n,) for n in range(5)]


def test_a_failed_send_is_logged_and_the_commit_stands(app, caplog):
    def broken(name, args=(), kwargs=None):
        raise ConnectionError("broker down")

    previous = effects.set_sender(broken)
    try:
        with app.app_context(), caplog.at_level(logging.ERROR, logger="models.effects"):
            after_commit(TASK, 1)
            db.session.commit()  # raises nothing
    finally:
        effects.set_sender(previous)
    assert f"could not send task {TASK} after commit" in caplog.text


def test_without_a_sender_the_effect_is_logged_not_raised(app, caplog):
    previous = effects.set_sender(None)
    try:
        with app.app_context(), caplog.at_level(logging.ERROR, logger="models.effects"):
            after_commit(TASK, 1)
            db.session.commit()
    finally:
        effects.set_sender(previous)
    assert "no task sender installed" in caplog.text


def test_the_celery_app_installs_its_sender(app):
    installed = effects.set_sender(None)
    effects.set_sender(installed)
    assert installed == app.extensions["celery"].send_task
