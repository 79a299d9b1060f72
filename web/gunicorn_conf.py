"""gunicorn settings for the web process: `gunicorn -c web/gunicorn_conf.py` (the Procfile).

Why these values: docs/OPERATIONS.md, "Web server".
"""

import gc
import os


def whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


bind = f"{os.environ.get('BIND_ADDRESS') or '127.0.0.1'}:{whole_number('PORT', 5000)}"

# Threads, not one request per process: a login spends ~30 ms hashing with the GIL released,
# and the other requests must not wait behind it. gthread hands accepted connections to its
# threads first come, first served, so workers x threads should cover the clients expected at
# once (a login storm included): then every request gets a thread as soon as it arrives.
worker_class = "web.server.JsonErrorWorker"  # gthread, answering its own errors in JSON
workers = whole_number("WEB_CONCURRENCY", 2)
threads = whole_number("WEB_THREADS", 128)

# Long enough for the app's own validation to answer (a 5,000-character query string gets
# the app's 422; an oversized bearer token its 401), still bounded: 8190 is gunicorn's
# maximum request line, and 50 headers of at most 16 KiB cap a request's head at ~800 KiB.
limit_request_line = 8190
limit_request_field_size = 16 * 1024
limit_request_fields = 50

# API requests take milliseconds: a stopping worker finishes them well within 8 s (before
# scripts/run's supervisord would KILL it, 9 s after Ctrl-C).
graceful_timeout = 8

# No control socket: nothing here uses gunicornc, and its default path (~/.gunicorn) would be
# shared by every gunicorn this user runs on the machine.
control_socket_disable = True


# At exit Python collects every object the process still holds: ~0.8 s of CPU for this app,
# several seconds of a Ctrl-C on a loaded machine (the README promises a few). Frozen objects
# are left to the operating system instead.
def worker_exit(_server, _worker):
    """A worker that has finished its requests exits without collecting its objects."""
    gc.freeze()


def on_exit(_server):
    """So does the master, once its workers are gone."""
    gc.freeze()
