"""A console request is one transaction: kept if it wrote and succeeded, gone if refused."""

import pytest

from models.audit import Actor, set_actor
from models.db import db
from models.service.cancel_reasons import CancelReason
from web.console.blueprint import committing_unless_refused


def _add_reason_then_answer(status: int):
    def view():
        set_actor(db.session, Actor(username="test", by_system=True))
        db.session.add(CancelReason(name=f"Motivo {status}"))
        db.session.flush()
        return "form", status

    return committing_unless_refused(view)


@pytest.mark.parametrize(("status", "kept"), [(200, True), (303, True), (409, False), (422, False)])
def test_an_answer_that_refuses_leaves_nothing_written(app, status, kept):
    with app.test_request_context("/", method="POST"):
        response = _add_reason_then_answer(status)()
        assert response.status_code == status
        db.session.remove()
    with app.app_context():
        found = db.session.scalar(db.select(CancelReason).filter_by(name=f"Motivo {status}"))
        assert (found is not None) is kept
