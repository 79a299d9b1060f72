"""A real FreeRADIUS for end-to-end tests: a copy of Debian's config, pointed at the test database.

`write_config` copies /etc/freeradius/3.0 and makes the few changes a stock install needs to
answer from Provedor's tables with rlm_sql (PostgreSQL or SQLite), on loopback and on ports of
its own, writing nothing outside the copy. `FreeRadius` runs it in the foreground (`-X`, its
debug output kept in a file shown when something fails) until `stop`.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyrad.client import Client, Timeout
from pyrad.packet import StatusServer
from sqlalchemy.engine import make_url

SYSTEM_CONFIG = Path("/etc/freeradius/3.0")
PACKAGES = ("freeradius", "freeradius-postgresql", "freeradius-utils")
SECRET = "testing123"  # clients.conf's secret for 127.0.0.1, as Debian ships it
DRIVER_DIR = Path("/usr/lib/freeradius")


def missing() -> str | None:
    """Why FreeRADIUS cannot run here (naming the packages to install), or None."""
    needed = []
    if shutil.which("freeradius") is None or not SYSTEM_CONFIG.is_dir():
        needed.append("freeradius")
    if not (DRIVER_DIR / "rlm_sql_postgresql.so").exists():
        needed.append("freeradius-postgresql")
    if needed:
        return (
            f"FreeRADIUS is not installed (missing {', '.join(needed)}): "
            f"apt-get install -y {' '.join(PACKAGES)}"
        )
    return None


def free_udp_ports(count: int) -> list[int]:
    """`count` distinct UDP ports nothing on 127.0.0.1 uses now (the kernel's high range)."""
    probes = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(count)]
    try:
        for probe in probes:  # all held open at once, so the ports differ
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _code(line: str) -> str:
    """A config line without its comment (FreeRADIUS comments run from # to the end)."""
    return line.split("#", 1)[0]


def _drop_sections(text: str, name: str) -> str:
    """Remove every `name { ... }` section (its braces counted outside comments)."""
    lines = text.splitlines(keepends=True)
    kept, depth, dropping = [], 0, False
    opener = re.compile(rf"^\s*{re.escape(name)}\s*\{{")
    for line in lines:
        if not dropping and opener.match(_code(line)):
            dropping, depth = True, 0
        if dropping:
            depth += _code(line).count("{") - _code(line).count("}")
            if depth <= 0:
                dropping = False
            continue
        kept.append(line)
    return "".join(kept)


def _sub(text: str, pattern: str, replacement: str, what: str, count: int = 0) -> str:
    """re.sub that insists the stock config still looks as expected."""
    changed, n = re.subn(pattern, replacement, text, count=count, flags=re.MULTILINE)
    if n == 0:
        raise RuntimeError(f"FreeRADIUS config: found no {what} to change ({pattern!r})")
    return changed


def _sql_connection(database_url: str) -> tuple[str, str]:
    """(dialect, the sql module's connection lines) for the app's database URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not (DRIVER_DIR / "rlm_sql_sqlite.so").exists():
            raise RuntimeError("this FreeRADIUS has no rlm_sql_sqlite driver")
        return "sqlite", ""
    parts = {
        "dbname": url.database,
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
    }
    conninfo = " ".join(f"{key}={value}" for key, value in parts.items() if value)
    return "postgresql", f'\tradius_db = "{conninfo}"\n'


def adapt_queries(queries: Path, dialect: str) -> None:
    """The changes docs/OPERATIONS.md asks operators to make to Debian's queries.conf.

    PostgreSQL: radacct is partitioned by month of AcctStartTime, and a partitioned table's
    unique keys hold the partition key, so FreeRADIUS's `ON CONFLICT (AcctUniqueId)` (start,
    interim-update and stop) names (AcctUniqueId, AcctStartTime) instead; with the stock text
    PostgreSQL refuses the INSERT (no unique constraint matches it).
    SQLite: Accounting-On/Off records why the sessions ended (NAS-Reboot when the NAS does not
    say) and when, as the PostgreSQL query does; the stock one leaves the cause empty.
    """
    text = queries.read_text()
    if dialect == "postgresql":
        text = _sub(
            text,
            r"ON CONFLICT \(AcctUniqueId\)",
            "ON CONFLICT (AcctUniqueId, AcctStartTime)",
            "ON CONFLICT (AcctUniqueId)",
        )
    else:
        text = _sub(
            text,
            r"^(\t+)acctterminatecause = '%\{Acct-Terminate-Cause\}' \\\n"
            r"(\t+WHERE acctstoptime IS NULL \\\n\t+AND nasipaddress)",
            r"\1acctupdatetime = ${....event_timestamp}, \\\n"
            r"\1acctterminatecause = '%{%{Acct-Terminate-Cause}:-NAS-Reboot}' \\\n\2",
            "accounting-on's terminate cause",
        )
    queries.write_text(text)


def write_config(target: Path, database_url: str, auth_port: int, acct_port: int) -> Path:
    """Copy Debian's config to `target` and make it answer from the app's database; return it."""
    shutil.copytree(SYSTEM_CONFIG, target, symlinks=True)
    (target / "log" / "radacct").mkdir(parents=True)
    (target / "run").mkdir()
    dialect, connection = _sql_connection(database_url)

    # The sql module: the app's database, its dialect's driver, no clients from the nas table
    # (the NAS stand-in registers 127.0.0.1 there, which clients.conf already has).
    sql = target / "mods-available" / "sql"
    text = sql.read_text()
    text = _sub(text, r'^\tdialect = "sqlite"$', f'\tdialect = "{dialect}"', "dialect")
    text = _sub(text, r'^\tdriver = "rlm_sql_null"$', '\tdriver = "rlm_sql_${dialect}"', "driver")
    text = _sub(text, r'^\tradius_db = "radius"$\n', connection, "radius_db")
    text = _sub(text, r"^#\tread_clients = yes$", "\tread_clients = no", "read_clients")
    if dialect == "sqlite":
        path = make_url(database_url).database
        text = _sub(text, r'^\t\tfilename = ".*"$', f'\t\tfilename = "{path}"', "filename")
        # The app's schema is there already; wait for the app's write lock like it does.
        text = _sub(text, r"^\t\tbootstrap = .*\n", "", "bootstrap")
        text = _sub(text, r"^\t\tbusy_timeout = \d+$", "\t\tbusy_timeout = 30000", "busy")
    sql.write_text(text)
    (target / "mods-enabled" / "sql").symlink_to("../mods-available/sql")
    adapt_queries(target / "mods-config" / "sql" / "main" / dialect / "queries.conf", dialect)

    # The default site: sql for real (not the optional `-sql`), and only our two listeners.
    site = target / "sites-available" / "default"
    text = _sub(site.read_text(), r"^(\s*)-sql\s*$", r"\1sql", "-sql")
    text = _drop_sections(text, "listen")
    listeners = "".join(
        f"listen {{\n\ttype = {kind}\n\tipaddr = 127.0.0.1\n\tport = {port}\n}}\n"
        for kind, port in (("auth", auth_port), ("acct", acct_port))
    )
    text = _sub(text, r"^server default \{\n", f"server default {{\n{listeners}", "server", 1)
    site.write_text(text)

    # The inner tunnel (EAP) stays as a virtual server, without its port 18120 listener.
    inner = target / "sites-available" / "inner-tunnel"
    inner.write_text(_drop_sections(inner.read_text(), "listen"))

    # radiusd.conf: run as whoever starts it; logs and pid file inside the copy; rejects sent
    # at once (not a second later).
    main = target / "radiusd.conf"
    text = _sub(main.read_text(), r"^(\s*)(user|group) = freerad$", r"\1#\2 = freerad", "user")
    text = _sub(text, r"^logdir = .*$", f"logdir = {target / 'log'}", "logdir")
    text = _sub(text, r"^run_dir = .*$", f"run_dir = {target / 'run'}", "run_dir")
    text = _sub(text, r"^(\s*)reject_delay = .*$", r"\1reject_delay = 0", "reject_delay")
    # No proxying, so no proxy listener on all addresses either: loopback only.
    text = _sub(text, r"^proxy_requests\s*=\s*yes$", "proxy_requests = no", "proxy_requests")
    main.write_text(text)
    return target


@dataclass
class FreeRadius:
    """One FreeRADIUS process on 127.0.0.1; `auth_port` / `acct_port` are its listeners."""

    config_dir: Path
    auth_port: int
    acct_port: int
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def client(self, dictionary, timeout: float = 3.0) -> Client:
        client = Client(
            server="127.0.0.1",
            authport=self.auth_port,
            acctport=self.acct_port,
            secret=SECRET.encode(),
            dict=dictionary,
        )
        client.timeout, client.retries = timeout, 1
        return client

    def log_tail(self, lines: int = 80) -> str:
        if not self.log_path.exists():
            return "(no output)"
        return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-lines:])

    def start(self, dictionary, timeout: float = 20.0) -> None:
        """Start it and wait until it answers a Status-Server; raise with its output if not."""
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                ["freeradius", "-X", "-d", str(self.config_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Local time = UTC: the SQLite queries write times as FreeRADIUS's clock shows.
                env={**os.environ, "TZ": "UTC"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"FreeRADIUS exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if self.answers(dictionary):
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"FreeRADIUS did not answer in {timeout} s:\n{self.log_tail()}")

    def answers(self, dictionary) -> bool:
        client = self.client(dictionary, timeout=0.5)
        request = client.CreateAuthPacket(code=StatusServer)
        request.add_message_authenticator()
        try:
            client.SendPacket(request)
        except (Timeout, OSError):
            return False
        finally:
            client._CloseSocket()
        return True

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_on(database_url: str, folder_factory, dictionary) -> "FreeRadius":
    """A started FreeRadius on `database_url`, config and log in a new folder of
    `folder_factory` (pytest's tmp_path_factory); a port taken meanwhile is retried."""
    last_error = None
    for _ in range(3):  # a port picked free may be taken before FreeRADIUS binds it
        folder = folder_factory.mktemp("freeradius")
        auth_port, acct_port = free_udp_ports(2)
        config = write_config(folder / "raddb", database_url, auth_port, acct_port)
        server = FreeRadius(config, auth_port, acct_port, folder / "radiusd.log")
        try:
            server.start(dictionary)
        except RuntimeError as error:
            last_error = error
            continue
        return server
    raise last_error


def radclient(server: "FreeRadius", attributes: dict, kind: str = "acct") -> str:
    """Send one packet with radclient (freeradius-utils), as a NAS would; its output.
    Raises with FreeRADIUS's log when no answer came."""
    lines = ", ".join(f'{name} = "{value}"' for name, value in attributes.items())
    port = server.acct_port if kind == "acct" else server.auth_port
    done = subprocess.run(
        ["radclient", "-x", "-r", "2", "-t", "3", f"127.0.0.1:{port}", kind, SECRET],
        input=lines,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if done.returncode != 0 or "Received" not in done.stdout:
        raise RuntimeError(
            f"radclient got no answer ({done.returncode}):\n{done.stdout}{done.stderr}\n"
            f"{server.log_tail()}"
        )
    return done.stdout
