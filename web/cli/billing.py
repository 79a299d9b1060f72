"""Command line for bank files: `flask --app web returns import FILE [--account ID]`.

For an operator at a terminal or a script fetching retornos from the bank: the same checks and
the same application as `POST /api/v1/billing-accounts/{id}/returns`, run in this process, with
the report printed. Importing the same file again is refused (exit 1), so a cron job that runs
twice settles nothing twice.
"""

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from models.billing import bank_returns, billing_accounts
from models.db import db
from models.errors import DomainError
from tasks.billing import apply_return
from web.cli import act_as_cli

returns_cli = AppGroup("returns", help="Retornos of the banks (CNAB 240 and 400).")

OK, REFUSED = 0, 1


@returns_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--account", "account_id", type=int, help="Billing account id; default: the default.")
def import_return(file: Path, account_id: int | None) -> None:
    """Check a retorno, apply it, and print its report (JSON)."""
    act_as_cli()
    try:
        if account_id is None:
            account_id = billing_accounts.default_account().id
        imported = bank_returns.import_return(account_id, file.read_bytes(), file.name)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in (error.errors or {}).items())
        click.echo(f"refused: {error.message}{' ' + detail if detail else ''}", err=True)
        raise SystemExit(REFUSED) from None
    apply_return.run(imported.id)
    db.session.commit()
    shown = bank_returns.get_return(account_id, imported.id)
    click.echo(json.dumps({"id": shown.id, "status": shown.status, **shown.report}, indent=2))


COMMANDS = (returns_cli,)
