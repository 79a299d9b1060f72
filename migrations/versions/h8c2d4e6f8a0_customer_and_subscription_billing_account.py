"""customers and subscriptions may name the billing account their boletos are issued on

A nullable billing_account_id (FK billing_accounts.id) on each: null means the default account
(a subscription's null: its customer's, else the default); models/billing/boletos.py picks the
account when it issues a boleto. Existing rows stay null, so nothing changes until staff name
an account.

Neither table is rewritten: on PostgreSQL the column and its foreign key are added in place (the
key is checked against an all-null column); on SQLite the column is added with its REFERENCES
clause by ALTER TABLE ADD COLUMN, which SQLite allows for a column whose default is null (a
batch copy of customers would lose its AUTOINCREMENT, NEVER_REUSE_KEYS).

Revision ID: h8c2d4e6f8a0
Revises: h7b1a2c3d4e5
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "h8c2d4e6f8a0"
down_revision = "h7b1a2c3d4e5"
branch_labels = None
depends_on = None

TABLES = ("customers", "subscriptions")


def _fk(table):
    return f"fk_{table}_billing_account_id_billing_accounts"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN billing_account_id INTEGER "
                f"CONSTRAINT {_fk(table)} REFERENCES billing_accounts (id)"
            )
        else:
            op.add_column(table, sa.Column("billing_account_id", sa.Integer(), nullable=True))
            op.create_foreign_key(
                _fk(table), table, "billing_accounts", ["billing_account_id"], ["id"]
            )


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        if sqlite:
            # SQLite drops no column a foreign key names: the table is copied without it
            # (customers keeps its AUTOINCREMENT: reflection does not carry it over).
            keep = {"sqlite_autoincrement": True} if table == "customers" else {}
            with op.batch_alter_table(table, recreate="always", table_kwargs=keep) as batch_op:
                batch_op.drop_column("billing_account_id")
        else:
            op.drop_constraint(_fk(table), table, type_="foreignkey")
            op.drop_column(table, "billing_account_id")
