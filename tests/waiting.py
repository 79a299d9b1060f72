"""Waiting for something another process or thread does (a worker, a server starting)."""

import time


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Poll `predicate` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
