"""Command line for staff: `flask --app web users create ...`, `... users ensure-admin`."""

import secrets

import click
from flask.cli import AppGroup

from models.db import db
from models.errors import DomainError
from models.staff.users import ADMIN, ROLES, User, create_user
from web.cli import act_as_cli

users_cli = AppGroup("users", help="Manage staff users.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default="")
def create_user_command(username, role, password, full_name):
    """Create a staff user (prompts for the password when --password is left out)."""
    act_as_cli()
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
    act_as_cli()
    password = secrets.token_urlsafe(12)
    create_user("admin", ADMIN, password, full_name="Administrador")
    db.session.commit()
    click.echo(f"Created the first admin. Log in as admin / {password}  (change it soon).")


COMMANDS = (users_cli,)
