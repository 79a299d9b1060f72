"""Card numbers at rest: Fernet encryption under keys from the environment, newest first.

CARD_ENCRYPTION_KEYS (web/config.py) lists the keys; MultiFernet encrypts with the first and
decrypts with any, so a new key is prepended without downtime and `rotate_batch` (the CLI's
`payment-methods rotate-keys`) re-encrypts the stored rows before the old key is dropped.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from stdnum import luhn

from models.customers.settings import CustomerSettings
from models.db import db
from models.settings import current

# Issuer prefixes for the brand shown beside the masked number (longest prefixes first).
_BRANDS = (
    ("hipercard", ("606282", "3841")),
    ("elo", ("401178", "401179", "431274", "438935", "451416", "457393", "504175", "506699",
             "5067", "509", "627780", "636297", "636368", "6500", "6504", "6505", "6507",
             "6509", "6516", "6550")),
    ("amex", ("34", "37")),
    ("diners", ("300", "301", "302", "303", "304", "305", "36", "38")),
    ("mastercard", ("51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27")),
    ("visa", ("4",)),
)  # fmt: skip


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> tuple[str, ...]:
    return current(CustomerSettings).card_keys


def encrypt(number: str) -> str:
    """The card number encrypted with the newest key (a Fernet token, ASCII)."""
    return _cipher(_keys()).encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    """The card number from a token written under any of the configured keys."""
    return _cipher(_keys()).decrypt(token.encode()).decode()


def is_valid_number(number: str) -> bool:
    """13 to 19 digits whose Luhn check digit is right."""
    return (
        number.isascii() and number.isdigit() and 13 <= len(number) <= 19 and luhn.is_valid(number)
    )


def brand(number: str) -> str | None:
    """The card's brand from its issuer prefix, when it is a known one."""
    for name, prefixes in _BRANDS:
        if number.startswith(prefixes):
            return name
    return None


def masked(first6: str, last4: str, length: int) -> str:
    """First six and last four digits, asterisks between: "411111******1111"."""
    return f"{first6}{'*' * (length - 10)}{last4}"


def _under_newest_key(token: str) -> bool:
    try:
        Fernet(_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate_batch(column, after_id: int, limit: int) -> tuple[int | None, int]:
    """Re-encrypt up to `limit` tokens of `column` past id `after_id` with the newest key.

    Returns the last id read (None when no rows are left) and how many were re-encrypted.
    Rows already under the newest key are left alone, so running it again changes nothing.
    Core updates: re-encrypting is not a change of the card, so it writes no history.
    """
    table = column.table
    rows = db.session.execute(
        db.select(table.c.id, column)
        .where(table.c.id > after_id, column.is_not(None))
        .order_by(table.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return None, 0
    cipher, rotated = _cipher(_keys()), 0
    for row_id, token in rows:
        if _under_newest_key(token):
            continue
        new_token = cipher.rotate(token.encode()).decode()
        db.session.execute(db.update(table).where(table.c.id == row_id).values({column: new_token}))
        rotated += 1
    return rows[-1][0], rotated
