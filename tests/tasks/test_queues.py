"""The RFC 5176 requests' own queue: a ladder stage's thousands of batches do not stand between
a payment and its giving back."""

from tasks import DEFAULT_QUEUE, RADIUS_QUEUE


def test_requests_to_nases_go_to_their_queue_and_the_rest_to_the_default_one(app):
    celery = app.extensions["celery"]
    route = celery.amqp.router.route
    assert route({}, "tasks.radius.send_requests")["queue"].name == RADIUS_QUEUE
    assert route({}, "tasks.radius.retry_disconnects")["queue"].name == RADIUS_QUEUE
    assert route({}, "tasks.suspension.lift_if_paid")["queue"].name == DEFAULT_QUEUE


def test_a_worker_started_as_the_procfile_starts_it_takes_both_queues(app, celery_worker):
    """No -Q on the Procfile's worker line: it consumes every configured queue."""
    celery = app.extensions["celery"]
    active = celery.control.inspect(timeout=5).active_queues() or {}
    names = {queue["name"] for queues in active.values() for queue in queues}
    assert {DEFAULT_QUEUE, RADIUS_QUEUE} <= names
