"""Command line, one module per domain: `flask --app web <group> <command>`.

Every module of the package that lists click commands in `COMMANDS` is registered: a new
domain's module is found, not listed.
"""

import getpass

from flask import Flask

from models.audit import Actor, set_actor
from models.db import db
from models.discovery import import_submodules


def act_as_cli() -> str:
    """Record what follows in history as done by the system for the operating-system user."""
    operator = f"cli:{getpass.getuser()}"
    set_actor(db.session, Actor(username=operator, by_system=True))
    return operator


def register(app: Flask) -> None:
    """Add every domain's commands to `flask`."""
    for module in import_submodules(__name__):
        for command in getattr(module, "COMMANDS", ()):
            app.cli.add_command(command)
