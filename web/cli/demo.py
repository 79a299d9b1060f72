"""`flask --app web demo`: realistic demo customers, for a first look and for the benchmarks."""

import click

from models.customers.customers import ADDRESS_PARTS, PF, Customer
from models.customers.registration import create_customer
from models.db import db
from models.errors import Conflict
from web.cli import act_as_cli
from web.cli.demo_data import generate_customers


@click.command("demo")
@click.option(
    "--count",
    default=300,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="How many customers to add (the benchmark loads more with COPY).",
)
@click.option("--seed", default=7, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when there are customers already.")
def demo_command(count, seed, if_empty):
    """Load realistic demo customers (the benchmark's generator at a small size)."""
    if if_empty and db.session.scalar(db.select(Customer.code).limit(1)) is not None:
        click.echo("Customers exist; no demo data loaded.")
        return
    act_as_cli()
    # Documents derive from the generator's codes: start past ours so they are new ones.
    start = (db.session.scalar(db.select(db.func.max(Customer.code))) or 0) + 1
    added = 0
    for row in generate_customers(count, seed=seed, start_code=start):
        try:
            create_customer(_as_input(row))  # the same rules and history as the API
        except Conflict:
            continue
        added += 1
    db.session.commit()
    click.echo(f"Added {added} demo customers.")


def _as_input(row: dict) -> dict:
    """A generated row in the shape the API's CustomerInput produces."""
    fields = ("kind", "name", "trade_name", "state_registration", "active")
    contact = ("email", "phone", "mobile", "fax")
    document = "cpf" if row["kind"] == PF else "cnpj"
    return {
        **{key: row[key] for key in fields + contact},
        document: row["document"],
        "address": {part: row.get(part) for part in ADDRESS_PARTS},
    }


COMMANDS = (demo_command,)
