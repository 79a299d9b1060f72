"""Real `celery -A tasks.worker` processes (workers, beats) on the test database, for tests that
kill, duplicate or restart them: one log file, one environment, stopped together."""

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


class CeleryProcesses:
    """Processes of the app configured by `env` (on top of this process's own environment,
    without the test run's settings), each in a process group of its own."""

    def __init__(self, settings, tmp_path: Path, **env: str):
        skip = ("PYTEST", "DATABASE_URL", "CELERY_", "TEST_")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        self.env.update(DATABASE_URL=settings.database_url, PROVEDOR_ENV_FILE="/dev/null", **env)
        self.log = tmp_path / "fleet.log"
        self.processes: list[subprocess.Popen] = []

    def _start(self, *arguments: str) -> subprocess.Popen:
        with self.log.open("a") as out:
            process = subprocess.Popen(
                [BIN / "celery", "-A", "tasks.worker", *arguments, "-l", "INFO"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a kill reaches its pool too
            )
        self.processes.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        os.killpg(process.pid, sig)
        process.wait(timeout=60)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def tail(self) -> str:
        return self.log.read_text()[-4000:] if self.log.exists() else ""


class BeatFleet(CeleryProcesses):
    """Worker and beat processes on the test database and a filesystem broker of their own."""

    def __init__(self, settings, app, tmp_path: Path, **overrides: str):
        self.tmp_path, self.var = tmp_path, tmp_path / "fleet-var"
        self.queue = self.var / "broker"
        self.queue.mkdir(parents=True, exist_ok=True)
        super().__init__(
            settings,
            tmp_path,
            CELERY_BROKER_URL="filesystem://",
            PROVEDOR_VAR_DIR=str(self.var),
            EXPORTS_DIR=app.config["EXPORTS_DIR"],
            PROVEDOR_ENV="test",
            **overrides,
        )

    def worker(self, name: str) -> subprocess.Popen:
        return self._start("worker", "-c", "1", "-n", f"{name}@%h")

    def beat(self) -> subprocess.Popen:
        return self._start("beat", "-s", str(self.var / "celerybeat-schedule"), "--pidfile", "")

    def all_overdue(self, celery: Celery) -> None:
        """Beat's own state file, as if it had been down for two days: on start it sends every
        entry at once, the daily and hourly ones too (as it does after a real outage)."""
        scheduler = PersistentScheduler(
            app=celery, schedule_filename=str(self.var / "celerybeat-schedule")
        )
        for entry in scheduler.schedule.values():
            entry.last_run_at = entry.default_now() - timedelta(days=2)
        scheduler.sync()
        scheduler.close()

    def send(self, task: str, *args) -> None:
        """A message on this broker, as the web app sends it after its commit."""
        sender = Celery(set_as_current=False, broker="filesystem://")
        folders = {"data_folder_in": str(self.queue), "data_folder_out": str(self.queue)}
        folders["control_folder"] = str(self.queue.parent / "control")  # not in the checkout
        sender.conf.broker_transport_options = folders
        sender.send_task(task, args=args)

    def waiting(self) -> list[str]:
        """The task names of the messages no worker has taken yet."""
        names = []
        for message in self.queue.glob("*.msg"):
            try:
                names.append(json.loads(message.read_bytes())["headers"]["task"])
            except (FileNotFoundError, ValueError):  # taken (or half written) meanwhile
                continue
        return names
