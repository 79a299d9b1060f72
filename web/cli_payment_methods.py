"""Command line for payment data: `flask --app web payment-methods rotate-keys`.

Key rotation without downtime: prepend a new key to CARD_ENCRYPTION_KEYS and restart (new
writes use it, old rows still read), run this, then drop the old key and restart again.
"""

import click
from flask.cli import AppGroup

from models.card_crypto import rotate_batch
from models.db import db
from models.payment_methods import PaymentMethod

payment_methods_cli = AppGroup("payment-methods", help="Payment data (Dados Débito).")


@payment_methods_cli.command("rotate-keys")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def rotate_keys_command(batch_size):
    """Re-encrypt every stored card number with the newest key; safe to run again."""
    column = PaymentMethod.__table__.c.card_number_encrypted
    after_id, rotated = 0, 0
    while after_id is not None:
        try:
            after_id, count = rotate_batch(column, after_id, batch_size)
            db.session.commit()  # batch by batch: short transactions, progress kept
        except Exception:
            db.session.rollback()
            raise
        rotated += count
    click.echo(f"Re-encrypted {rotated} card numbers with the newest key.")
