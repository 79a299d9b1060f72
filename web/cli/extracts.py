"""Command line for extracts: `flask --app web calls import FILE`, `... calls reprice`, `...
exports run`.

Command line for call records: `flask --app web calls import FILE`, `... calls reprice`.

Command line for exports: `flask --app web exports run ...`, with a progress bar.

For an operator at a terminal: the same job, checks and file as `POST /api/v1/exports`, run
in this process instead of a worker. The file is left in the exports folder (and copied to
--output when given).
"""

import copy
import shutil

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from models.db import db
from models.errors import DomainError
from models.extracts import exports
from models.extracts.call_import import CdrImport, ImportReport
from models.extracts.call_reprice import reprice_calls
from models.extracts.cdr_csv import Layout
from schemas.extracts.exports import ExportInput
from tasks.extracts import run
from web.cli import act_as_cli

calls_cli = AppGroup("calls", help="Call records (CDRs) of voice terminals.")

# Exit codes: every line imported or already there; some lines not imported (listed);
# the import stopped before the end of the file (what was committed before stays).
OK, LINES_LEFT_OUT, STOPPED = 0, 1, 2


@calls_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--loguniqueid/--no-loguniqueid",
    default=True,
    show_default=True,
    help="The switch logs uniqueid (cdr.conf [csv] loguniqueid).",
)
@click.option(
    "--loguserfield/--no-loguserfield",
    default=True,
    show_default=True,
    help="The switch logs userfield (loguserfield).",
)
@click.option(
    "--newcdrcolumns/--no-newcdrcolumns",
    default=False,
    show_default=True,
    help="The switch logs peeraccount, linkedid and sequence (newcdrcolumns).",
)
@click.option(
    "--usegmtime/--no-usegmtime",
    default=False,
    show_default=True,
    help="Times in the file are UTC, not the ISP's time zone (usegmtime).",
)
def import_command(file, loguniqueid, loguserfield, newcdrcolumns, usegmtime):
    """Import an Asterisk cdr-csv file (Master.csv); running it again adds nothing twice.

    Exits 1 when some lines were not imported (each reason is listed with line numbers),
    2 when the import stopped before the end of the file.
    """
    layout = Layout(loguniqueid, loguserfield, newcdrcolumns, usegmtime)
    importer = CdrImport(file, layout)
    committed = ImportReport(file=importer.report.file)
    try:
        for report in importer.run():
            db.session.commit()  # per chunk: a re-run skips what is already in
            committed = copy.deepcopy(report)
    except Exception as error:  # any failure: say how far the import got
        db.session.rollback()
        reason = str(error).splitlines()[0] if str(error) else ""
        committed.stopped = (
            f"{type(error).__name__} {reason} while importing the lines after line "
            f"{committed.lines}; those were not imported. Run again to go on."
        )
        _print(committed)
        raise click.exceptions.Exit(STOPPED) from None
    _print(importer.report)
    if importer.report.stopped:
        raise click.exceptions.Exit(STOPPED)
    if importer.report.bad_lines or importer.report.skipped_lines:
        raise click.exceptions.Exit(LINES_LEFT_OUT)


def _print(report: ImportReport) -> None:
    click.echo(f"File: {report.file}")
    click.echo(f"Lines read: {report.lines}")
    click.echo(f"Imported: {report.imported}")
    click.echo(f"Already imported: {report.duplicates}")
    click.echo(f"Bad lines (skipped): {report.bad_lines}")
    _reasons(report.bad)
    click.echo(f"Not imported: {report.skipped_lines}")
    _reasons(report.skipped)
    for termination in sorted(report.untariffed):
        click.echo(
            f"Warning: no tariff for {termination}: its calls cost 0.00 until a tariff is set "
            f"(PUT /tariffs/{termination}) and their period re-priced (flask calls reprice)"
        )
    if report.stopped:
        click.echo(f"STOPPED: {report.stopped}", err=True)
    elif report.bad_lines or report.skipped_lines:
        click.echo("The other lines were imported.")


def _reasons(tallies) -> None:
    for reason, tally in sorted(tallies.items()):
        shown = ", ".join(str(line) for line in tally.lines)
        more = (
            f" and {tally.count - len(tally.lines)} more" if tally.count > len(tally.lines) else ""
        )
        click.echo(f"  {reason}: {tally.count} (lines {shown}{more})")


@calls_cli.command("reprice")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]))
def reprice_command(first, last):
    """Give the calls of a period (days in the ISP's zone, both included) the cost today's
    tariffs give; the run is recorded in the history as done from the command line."""
    act_as_cli()
    try:
        run = reprice_calls(first.date(), last.date())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} {error.errors or ''}".strip()) from None
    db.session.commit()
    click.echo(f"Period: {run.period_from} to {run.period_to}")
    click.echo(f"Calls: {run.calls}")
    click.echo(f"Re-priced: {run.changed}")
    click.echo(f"Cost before: {run.cost_before:.2f}")
    click.echo(f"Cost after: {run.cost_after:.2f}")


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
    operator = act_as_cli()
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


COMMANDS = (calls_cli, exports_cli)
