"""What the benchmarks share: their database, the machine, the processes' environment."""

import os
import platform
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def conninfo_of(url: str, database: str | None = None) -> str:
    """A psycopg connection string for a SQLAlchemy URL (optionally another database)."""
    target = make_url(url).set(drivername="postgresql")
    if database:
        target = target.set(database=database)
    return target.render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    """Drop and create the bench's own database; refuses a name without "bench" in it."""
    name = make_url(url).database
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: its name must contain 'bench'")
    with psycopg.connect(conninfo_of(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(conn, table: str, columns: tuple, rows) -> None:
    """COPY `rows` (tuples in `columns`' order) into `table` on a psycopg connection."""
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def vacuum(conninfo: str) -> None:
    """VACUUM ANALYZE the whole database (after a load or a reset: fresh statistics)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def machine_facts(conninfo: str, **extra) -> dict:
    """The machine, PostgreSQL and the checkout, for the figures' caption."""
    with open("/proc/cpuinfo") as cpuinfo:
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
        ]
    with open("/proc/meminfo") as meminfo:
        ram_kb = int(meminfo.readline().split()[1])
    with psycopg.connect(conninfo) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    git = ["git", "-C", str(ROOT), "describe", "--always", "--dirty"]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": models[0] if models else "unknown",
        "ram_gb": round(ram_kb / 1024 / 1024, 1),
        "postgresql": version,
        "python": platform.python_version(),
        "git": subprocess.run(git, capture_output=True, text=True).stdout.strip() or "unknown",
        "load_average": os.getloadavg(),  # the machine is shared: how busy it was
        **extra,
    }


def service_env(url: str, broker: str, var_dir: str, **settings: str) -> dict:
    """The environment the service's processes get: this shell's, pointed at the bench's stores."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    env.update(
        DATABASE_URL=url,
        CELERY_BROKER_URL=broker,
        PROVEDOR_VAR_DIR=var_dir,
        PROVEDOR_ENV="development",
        PYTHONPATH=str(ROOT),  # the checkout this script belongs to, not another install
        PATH=f"{Path(sys.executable).parent}:{env['PATH']}",
        **settings,
    )
    return env


# --- A bench's own worker ---------------------------------------------------------------------
def start_worker(env: dict, log_path: Path, name: str) -> subprocess.Popen:
    """A solo Celery worker of the real app on the default queue, in its own session."""
    command = ["celery", "-A", "tasks.worker", "worker", "-P", "solo", "-Q", "celery",
               "-n", f"{name}@%h", "--loglevel", "INFO"]  # fmt: skip
    with open(log_path, "a") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def wait_ready(app, worker: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    celery = app.extensions["celery"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited ({worker.returncode}); see {log_path}")
        if celery.control.ping(timeout=1.0):
            return
    raise SystemExit("the worker did not answer ping")


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)  # its own session: only what this script started
        worker.wait()


def memory_mb(pid: int) -> dict:
    """A process's peak (VmHWM) and current (VmRSS) resident memory, in MB."""
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmHWM", "VmRSS")}


def seconds_between(first: str, last: str) -> float:
    """Seconds between two ISO timestamps (a job's created/started_at and finished_at)."""
    return (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
