"""Command line for exports: `flask --app web exports run ...`, with a progress bar.

For an operator at a terminal: the same job, checks and file as `POST /api/v1/exports`, run
in this process instead of a worker. The file is left in the exports folder (and copied to
--output when given).
"""

import getpass
import shutil

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from models import exports
from models.audit import Actor, set_actor
from models.db import db
from models.errors import DomainError
from schemas.exports import ExportInput
from tasks.exports import run

exports_cli = AppGroup("exports", help="Export connection and call extracts to files.")


def _columns(spec: str | None) -> list[dict] | None:
    """ "field[:title[:width_px]],..." -> the API's columns."""
    if not spec:
        return None
    columns = []
    for part in spec.split(","):
        field, title, width = [*part.split(":"), None, None][:3]
        column = {"field": field.strip()}
        if title:
            column["title"] = title
        if width:
            column["width_px"] = int(width) if width.isdigit() else width
        columns.append(column)
    return columns


@exports_cli.command("run")
@click.option("--source", type=click.Choice(["connections", "calls"]), required=True)
@click.option("--format", "file_format", type=click.Choice(["xlsx", "csv", "txt"]), default="csv")
@click.option("--customer", "customer_code", type=int, help="Customer code")
@click.option("--login", help="RADIUS login (connections)")
@click.option("--nas", help="NAS IP address (connections)")
@click.option("--terminal", help="Phone number of a voice terminal (calls)")
@click.option("--termination", help="Termination type (calls)")
@click.option("--from", "first", help="First day, YYYY-MM-DD (default: 30 days ago)")
@click.option("--to", "last", help="Last day, YYYY-MM-DD (default: today)")
@click.option("--title", help="First line of the file / row of the sheet")
@click.option("--columns", help='Picked columns: "field[:title[:width_px]],..."')
@click.option("--totals", is_flag=True, help="Add a totals row")
@click.option("--delimiter", default=";", show_default=True)
@click.option("--decimal-separator", default=",", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Copy it here")
def run_command(
    source,
    file_format,
    customer_code,
    login,
    nas,
    terminal,
    termination,
    first,
    last,
    title,
    columns,
    totals,
    delimiter,
    decimal_separator,
    output,
):
    """Export an extract now, showing progress; prints where the file is."""
    filters = {
        "customer_code": customer_code,
        "login": login,
        "nas": nas,
        "terminal": terminal,
        "termination": termination,
        "from": first,
        "to": last,
    }
    body = {
        "source": source,
        "format": file_format,
        "filters": {key: value for key, value in filters.items() if value is not None},
        "title": title,
        "totals": totals,
        "delimiter": delimiter,
        "decimal_separator": decimal_separator,
    }
    if columns:
        body["columns"] = _columns(columns)
    operator = f"cli:{getpass.getuser()}"
    set_actor(db.session, Actor(username=operator, by_system=True))
    try:
        export = exports.create_export(ExportInput().load(body), None, operator)
        db.session.commit()
    except ValidationError as error:
        raise click.ClickException(f"Invalid: {error.messages}") from None
    except DomainError as error:
        raise click.ClickException(f"{error.message} {error.errors or ''}".strip()) from None
    click.echo(f"Export {export.id}: {source} to {file_format}.")
    export_id = export.id
    with click.progressbar(length=1, label="Rows", show_pos=True, show_percent=True) as bar:

        def progress(rows: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(rows - bar.pos)

        done = run(export_id, on_progress=progress)
        if done is not None:
            bar.update(bar.length - bar.pos)
    if done is None:
        raise click.ClickException(f"Export {export_id} was not run (already taken).")
    path = exports.storage_dir() / done.file_name
    click.echo(f"Done: {done.rows_written} rows, {done.file_size} bytes in {path}")
    if output:
        shutil.copyfile(path, output)
        click.echo(f"Copied to {output}")
