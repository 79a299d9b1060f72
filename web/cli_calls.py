"""Command line for call records: `flask --app web calls import FILE`."""

from flask.cli import AppGroup

calls_cli = AppGroup("calls", help="Call records (CDRs) of voice terminals.")
