"""Command line: `flask --app web users create ...`, `flask --app web demo`."""

import getpass
import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from models.audit import Actor, set_actor
from models.customers import ADDRESS_PARTS, PF, Customer, create_customer
from models.db import db
from models.demo_data import generate_customers
from models.errors import Conflict, DomainError
from models.users import ADMIN, ROLES, User, create_user

users_cli = AppGroup("users", help="Manage staff users.")


def _act_as_cli() -> None:
    set_actor(db.session, Actor(username=f"cli:{getpass.getuser()}", by_system=True))


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default="")
def create_user_command(username, role, password, full_name):
    """Create a staff user (prompts for the password when --password is left out)."""
    _act_as_cli()
    try:
        user = create_user(username, role, password, full_name=full_name)
    except DomainError as error:
        raise click.ClickException(f"{error.message} {error.errors or ''}".strip()) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.username!r} (id {user.id}).")


@users_cli.command("ensure-admin")
def ensure_admin_command():
    """Create an `admin` user with a random password if there is no user yet; print it."""
    if db.session.scalar(db.select(db.func.count(User.id))):
        click.echo("Users exist; create more with: flask --app web users create NAME --role ROLE")
        return
    _act_as_cli()
    password = secrets.token_urlsafe(12)
    create_user("admin", ADMIN, password, full_name="Administrador")
    db.session.commit()
    click.echo(f"Created the first admin. Log in as admin / {password}  (change it soon).")


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
    _act_as_cli()
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


def register(app: Flask) -> None:
    from web.cli_calls import calls_cli
    from web.cli_ceps import ceps_cli
    from web.cli_exports import exports_cli
    from web.cli_payment_methods import payment_methods_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(calls_cli)
    app.cli.add_command(ceps_cli)
    app.cli.add_command(exports_cli)
    app.cli.add_command(payment_methods_cli)
    app.cli.add_command(demo_command)
