"""Command line for customers: the CEP directory and payment data.

Command line for the CEP directory: `flask --app web ceps import FILE.csv`.

Command line for payment data: `flask --app web payment-methods rotate-keys`.

Command line for the IBGE municipality codes: `flask --app web municipalities fill-codes`.

Key rotation without downtime: prepend a new key to CARD_ENCRYPTION_KEYS and restart (new
writes use it, old rows still read), run this, then drop the old key and restart again.
"""

import click
from flask.cli import AppGroup

from models.billing.psp_connections import PspConnection
from models.customers import municipalities
from models.customers.card_crypto import rotate_batch
from models.customers.cep_import import CHUNK_ROWS, CepImport, CepImportReport, Unreadable
from models.customers.payment_methods import PaymentMethod
from models.db import db
from models.fiscal.fiscal_settings import FiscalSettings

ceps_cli = AppGroup("ceps", help="The CEP directory that fills addresses in.")

# Exit codes: every line imported or unchanged; some lines left out (listed); the file could
# not be read (what was committed before the trouble stays: run again once it is fixed).
OK, LINES_LEFT_OUT, UNREADABLE = 0, 1, 2


@ceps_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--chunk-rows",
    default=CHUNK_ROWS,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="Rows read, checked and committed at a time.",
)
def import_command(file, chunk_rows):
    """Load or refresh the directory from a CSV file with the columns cep, street, district,
    city, state (a header line; ';' or ',' between fields; UTF-8, or Latin-1).

    Running it again changes only what differs. Exits 1 when some lines were left out (listed
    by line number), 2 when the file cannot be read.
    """
    report = CepImportReport(file=file)
    try:
        importer = CepImport(file, chunk_rows)
        report = importer.report
        for _progress in importer.run():
            db.session.commit()  # per chunk: a re-run goes on from here
    except Unreadable as error:
        db.session.rollback()
        _print(report)
        click.echo(f"STOPPED: {error}", err=True)
        raise click.exceptions.Exit(UNREADABLE) from None
    _print(report)
    if report.bad_count:
        raise click.exceptions.Exit(LINES_LEFT_OUT)


def _print(report: CepImportReport) -> None:
    read_as = f" ({report.encoding}, '{report.delimiter}')" if report.encoding else ""
    click.echo(f"File: {report.file}{read_as}")
    click.echo(f"Lines read: {report.lines}")
    click.echo(f"New: {report.new}")
    click.echo(f"Updated: {report.updated}")
    click.echo(f"Unchanged: {report.unchanged}")
    if report.repeated:
        click.echo(f"Repeated CEPs (the later line counts): {report.repeated}")
    click.echo(f"Bad lines (skipped): {report.bad_count}")
    for line, reason in report.bad:
        click.echo(f"  line {line}: {reason}")
    if report.bad_count > len(report.bad):
        click.echo(f"  and {report.bad_count - len(report.bad)} more")


payment_methods_cli = AppGroup("payment-methods", help="Payment data (Dados Débito).")


@payment_methods_cli.command("rotate-keys")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def rotate_keys_command(batch_size):
    """Re-encrypt every stored card number, and the PSP connections' and the NFCom issuer's
    secrets kept under the same keys, with the newest key; safe to run again."""
    psp, fiscal = PspConnection.__table__.c, FiscalSettings.__table__.c
    columns = {
        "card numbers": [PaymentMethod.__table__.c.card_number_encrypted],
        "PSP secrets": [psp.client_secret_encrypted, psp.certificate_encrypted],
        "NFCom issuer secrets": [
            fiscal.certificate_encrypted,
            fiscal.certificate_password_encrypted,
            fiscal.key_secret_encrypted,
        ],
    }
    for what, encrypted in columns.items():
        rotated = sum(_rotate_column(column, batch_size) for column in encrypted)
        click.echo(f"Re-encrypted {rotated} {what} with the newest key.")


def _rotate_column(column, batch_size: int) -> int:
    after_id, rotated = 0, 0
    while after_id is not None:
        try:
            after_id, count = rotate_batch(column, after_id, batch_size)
            db.session.commit()  # batch by batch: short transactions, progress kept
        except Exception:
            db.session.rollback()
            raise
        rotated += count
    return rotated


municipalities_cli = AppGroup("municipalities", help="The IBGE municipality list and codes.")
REASONS = {
    municipalities.NOT_FOUND: "no municipality of that name in that state",
    municipalities.AMBIGUOUS: "more than one municipality of that name in that state",
}


@municipalities_cli.command("fill-codes")
def fill_codes_command():
    """Fill the IBGE code of every address without one (customers' main and billing
    addresses, subscriptions' installation addresses) whose city and state name exactly one
    municipality of the shipped list; list the others for staff. Exits 1 when some are left."""
    try:
        report = municipalities.fill_missing_city_codes()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Filled: {report.filled}")
    click.echo(f"Left for staff: {len(report.left)}")
    for left in report.left:
        where = f"customer {left['customer_code']}"
        if left["subscription_id"]:
            where += f", subscription {left['subscription_id']}"
        click.echo(
            f"  {where}, {left['address']}: {left['city']!r}/{left['state']}: "
            f"{REASONS[left['reason']]}"
        )
    if report.left:
        raise click.exceptions.Exit(1)


COMMANDS = (ceps_cli, payment_methods_cli, municipalities_cli)
