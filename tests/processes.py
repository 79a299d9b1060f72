"""Real `celery -A tasks.worker` processes (workers, beats) on the test database, for tests that
kill, duplicate or restart them: one log file, one environment, stopped together."""

import os
import signal
import subprocess
import sys
from pathlib import Path

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
