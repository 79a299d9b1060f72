"""The Celery app: configured from the same settings as the web app, tasks run in its context.

Follows Flask's own Celery example: `celery_init_app(app)` builds Celery with a task base class
that runs every task inside `app.app_context()`. Tasks take ids and plain values, never ORM
objects or personal data, and are sent only after the transaction that needs them commits
(`models.effects.after_commit`, by task name; this module installs its sender). A task that
acts for a user takes `requested_by` (a user id): its changes are recorded in history as done
by the system for that user. A task is one transaction: the base class commits when it returns
and rolls back when it raises; work too big or too slow for one transaction commits in chunks
through `tasks.chunks`, nowhere else.
"""

import gc
from pathlib import Path

from celery import Celery, Task
from celery.signals import beat_init, worker_process_init, worker_shutdown
from flask import Flask
from kombu import Queue

from celerybeat.schedule import beat_schedule
from models import effects
from models.audit import SYSTEM, set_actor
from models.db import db
from models.staff.users import system_actor_for
from tasks import filesystem_broker

# Every module of the package but these holds tasks: a new domain's module is found, not listed.
NOT_TASKS = {"tasks.chunks", "tasks.filesystem_broker", "tasks.worker"}
DEFAULT_QUEUE, RADIUS_QUEUE = "celery", "radius"
RADIUS_TASKS = ("tasks.radius.send_requests", "tasks.radius.retry_disconnects")


def task_modules() -> list[str]:
    """The dotted names of the modules the worker imports for their tasks."""
    folder = Path(__file__).parent
    names = sorted(f"tasks.{path.stem}" for path in folder.glob("*.py") if path.stem != "__init__")
    return [name for name in names if name not in NOT_TASKS]


def celery_init_app(app: Flask, settings) -> Celery:
    """Create the Celery app bound to `app` and store it in app.extensions["celery"]."""

    class FlaskTask(Task):
        """Runs inside the app context, as one transaction: commit on return, roll back on raise.

        Like a web request (and Warehouse's `request.tm`), a task body only flushes; what it
        changed is kept exactly when it finishes without an error.
        """

        def __call__(self, *args, **kwargs):
            with app.app_context():  # its teardown closes the task's database session
                requested_by = kwargs.get("requested_by")
                try:
                    actor = system_actor_for(requested_by) if requested_by else SYSTEM
                    set_actor(db.session, actor)
                    result = self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise
                db.session.commit()
                return result

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=settings.broker_url,
        broker_transport_options=settings.broker_transport_options,
        broker_connection_retry_on_startup=True,
        result_backend=settings.result_backend,
        task_ignore_result=True,
        # A task is acknowledged once done, so a worker that dies mid-task hands it back.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # RFC 5176 requests have a queue of their own, which every worker also takes (no -Q):
        # a ladder stage owes thousands of batches, and a payment's giving back (queue
        # "celery") is taken between two of them instead of behind them all.
        task_queues=(Queue(DEFAULT_QUEUE), Queue(RADIUS_QUEUE)),
        task_default_queue=DEFAULT_QUEUE,
        task_routes={name: {"queue": RADIUS_QUEUE} for name in RADIUS_TASKS},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone=settings.timezone,
        enable_utc=True,
        beat_schedule=beat_schedule(
            settings.scheduled_tasks_sweep_seconds,
            settings.billing,
            exports={
                "sweep_seconds": settings.exports_sweep_seconds,
                "purge_seconds": settings.exports_purge_seconds,
            },
        ),
        beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
        include=task_modules(),
    )
    if settings.broker_url.startswith("filesystem"):
        filesystem_broker.install()  # messages written whole: a polling worker never reads half
        for folder in ("data_folder_in", "processed_folder", "control_folder"):
            Path(settings.broker_transport_options[folder]).mkdir(parents=True, exist_ok=True)

    @worker_process_init.connect(weak=False, dispatch_uid="provedor-fresh-connections")
    def _fresh_connections(**_kwargs):
        # A forked worker process must not reuse database connections opened by its parent.
        with app.app_context():
            db.engine.dispose(close=False)

    # Leave the process's objects to the OS when it exits (beat: all it holds once started):
    # collecting them costs ~0.8 s of CPU, several seconds of a Ctrl-C on a loaded machine.
    worker_shutdown.connect(_exit_without_collecting, weak=False, dispatch_uid="provedor-exit")
    beat_init.connect(_exit_without_collecting, weak=False, dispatch_uid="provedor-exit")

    celery.set_default()
    effects.set_sender(celery.send_task)  # the outbox of models/effects.py sends through it
    app.extensions["celery"] = celery
    return celery


def _exit_without_collecting(**_kwargs) -> None:
    """Freeze the objects alive now: the interpreter's exit then skips them (gc.freeze)."""
    gc.freeze()
