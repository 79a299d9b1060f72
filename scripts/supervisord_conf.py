"""Write the supervisord config that runs the Procfile's processes (scripts/run starts it).

    python scripts/supervisord_conf.py PROCFILE VAR_DIR    # writes VAR_DIR/supervisord.conf

The Procfile stays the one description of the processes; this only says how to supervise them.
Why each setting: docs/OPERATIONS.md, "Processes".
"""

import os
import pwd
import re
import shlex
import sys
from pathlib import Path

from honcho.environ import parse_procfile

SUPERVISORD = """\
; Generated from {procfile} by scripts/supervisord_conf.py when scripts/run starts: do not edit.
[supervisord]
nodaemon=true
; Its log and every program's output go to scripts/run's stdout, each writer appending
; (silent: not a second time through the inherited descriptor, which would not append).
logfile=/dev/stdout
logfile_maxbytes=0
silent=true
pidfile={var_dir}/supervisord.pid
; whoever started scripts/run (stated, so that root is not warned about dropping privileges)
user={user}

; One group, so that a stop signals every process at once instead of one after the other.
[group:provedor]
programs={names}
"""

# Restarts: up for startsecs counts as started; a process that dies sooner is retried after
# 1 s, 2 s, 3 s... and given up after startretries; one that dies later is restarted at once.
# Stopping: TERM to the main process only (stopasgroup=false), so gunicorn stops gracefully
# and Celery's worker warmly (it finishes its tasks, then stops its own pool); a process still
# there after stopwaitsecs gets KILL, with its whole process group (killasgroup). 9 s keeps
# the README's promise (Ctrl-C stops everything within 10 s) even for a task that runs on:
# it is killed, and taken up again (Redis redelivers it; sweeps and export recovery redo
# what the embedded broker cannot). gunicorn's own graceful_timeout (8 s) comes first.
PROGRAM = """
[program:{name}]
command={command}
directory={directory}
environment=PYTHONUNBUFFERED="1"
autorestart=true
startsecs=3
startretries=10
stopsignal=TERM
stopasgroup=false
killasgroup=true
stopwaitsecs=9
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
redirect_stderr=true
"""


def program_command(name: str, command: str, width: int) -> str:
    """The Procfile line under bash, its output prefixed with its name, as honcho does."""
    prefix = f"{name:<{width}} | "
    # bash, not sh, for the process substitution; `exec` keeps the pid supervisord watches.
    script = f'exec > >(exec sed -u "s/^/{prefix}/") 2>&1; exec {command}'
    return _escaped(f"/bin/bash -c {shlex.quote(script)}")


def _escaped(value) -> str:
    return str(value).replace("%", "%%")  # supervisord expands %(name)s in values


def render(procfile: Path, var_dir: Path) -> str:
    """The whole supervisord config for `procfile`, with its files in `var_dir`."""
    processes = parse_procfile(procfile.read_text()).processes
    width = max(len(name) for name in processes)
    config = SUPERVISORD.format(
        procfile=procfile.name,
        var_dir=_escaped(var_dir),
        user=pwd.getpwuid(os.getuid()).pw_name,
        names=",".join(processes),
    )
    for name, command in processes.items():
        config += PROGRAM.format(
            name=name,
            command=program_command(name, command, width),
            directory=_escaped(procfile.parent),
        )
    return config


def _refuse_comment_marks(*values) -> None:
    """supervisord reads " ;" and " #" as the start of a comment and would cut the value."""
    for value in values:
        if re.search(r"\s[;#]", str(value)):
            raise SystemExit(f"cannot supervise with {value!r}: ' ;' or ' #' in it")


def main() -> None:
    procfile, var_dir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    _refuse_comment_marks(
        procfile.parent, var_dir, *parse_procfile(procfile.read_text()).processes.values()
    )
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "supervisord.conf").write_text(render(procfile, var_dir))


if __name__ == "__main__":
    main()
