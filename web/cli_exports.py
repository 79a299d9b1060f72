"""Command line for exports: `flask --app web exports run ...`, with a progress bar."""

from flask.cli import AppGroup

exports_cli = AppGroup("exports", help="Export connection and call extracts to files.")
