"""Fixtures shared by the task tests."""

import threading
from collections import Counter

import pytest
from celery.signals import after_task_publish, task_postrun

from models.notices.settings import MailSettings
from tests.smtp_server import SmtpServer
from tests.waiting import wait_until


@pytest.fixture
def smtp(override_settings):
    """A running SMTP server on loopback, and MailSettings pointing at it (quick retries)."""
    server = SmtpServer().start()
    override_settings(MailSettings, **server.smtp_settings(retry_base_s=0.5))
    yield server
    server.stop()


@pytest.fixture
def tasks_settled():
    """Waits (True, or False after `timeout` s) until every message this process sent since the
    test began has been run to its end by the suite's in-process worker, retries and the tasks
    those runs sent included: the positive signal that a duplicate or a dropped task had its
    chance to do harm, instead of a fixed sleep."""
    sent: Counter = Counter()
    finished: Counter = Counter()
    lock = threading.Lock()

    def on_publish(headers=None, body=None, **_):
        task_id = (headers or {}).get("id") or (body or {}).get("id")
        with lock:
            sent[task_id] += 1

    def on_postrun(task_id=None, **_):
        with lock:
            finished[task_id] += 1

    def settled() -> bool:
        with lock:
            return all(finished[task_id] >= count for task_id, count in sent.items())

    after_task_publish.connect(on_publish, weak=False)
    task_postrun.connect(on_postrun, weak=False)
    yield lambda timeout=60: wait_until(settled, timeout=timeout, interval=0.05)
    after_task_publish.disconnect(on_publish)
    task_postrun.disconnect(on_postrun)
