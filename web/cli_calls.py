"""Command line for call records: `flask --app web calls import FILE`, `... calls reprice`."""

import copy
import getpass

import click
from flask.cli import AppGroup

from models.audit import Actor, set_actor
from models.call_import import CdrImport, ImportReport
from models.call_reprice import reprice_calls
from models.cdr_csv import Layout
from models.db import db
from models.errors import DomainError

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
    set_actor(db.session, Actor(username=f"cli:{getpass.getuser()}", by_system=True))
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
