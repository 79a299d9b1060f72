"""PIX "copia e cola": the BR Codes (EMV QRCPS-MPM) a boleto híbrido prints and shows as QR.

Static (`pix_copia_e_cola`): the ISP's key and the amount; nothing tells the service it was paid.
Dynamic (`pix_dynamic_code`): the location of a charge the PSP holds (field 26, ID 25) and no
txid of its own ("***" in 62/05): the payer's bank fetches the charge, its amount with fine and
interest as of the day, and the PSP notifies the payment (models/billing/pix_charges.py).

Fields, each ID (2) + length (2) + value: 00 payload format "01", 26 merchant account (00 GUI
"br.gov.bcb.pix", 01 the key), 52 category "0000", 53 currency "986", 54 amount, 58 "BR",
59 name (<= 25), 60 city (<= 15), 62 additional data (05 txid, "***" for none), and 63 the
CRC16-CCITT-FALSE of everything before it, "6304" included, in uppercase hex.
"""

import re
import unicodedata
from decimal import Decimal

GUI = "br.gov.bcb.pix"
NO_TXID = "***"


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"BR Code field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def ascii_text(text: str, limit: int) -> str:
    """Name or city as the BR Code wants it: ASCII without accents, cut to `limit` characters."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", folded).strip()[:limit].strip()


def pix_copia_e_cola(
    key: str, name: str, city: str, amount: Decimal | None = None, txid: str | None = None
) -> str:
    """The static BR Code for paying `amount` to PIX `key`, identified by `txid` (<= 25)."""
    key = key.strip()
    if not key or len(key) > 77:
        raise ValueError("a PIX key has 1 to 77 characters")
    name, city = ascii_text(name, 25), ascii_text(city, 15)
    if not name or not city:
        raise ValueError("the merchant name and city are required")
    reference = re.sub(r"[^A-Za-z0-9]", "", txid or "")[:25] or NO_TXID
    parts = [
        _field("00", "01"),
        _field("26", _field("00", GUI) + _field("01", key)),
        _field("52", "0000"),
        _field("53", "986"),
    ]
    if amount is not None:
        if Decimal(amount) <= 0:
            raise ValueError("a PIX amount must be positive")
        parts.append(_field("54", f"{Decimal(amount):.2f}"))
    parts += [
        _field("58", "BR"),
        _field("59", name),
        _field("60", city),
        _field("62", _field("05", reference)),
    ]
    payload = "".join(parts) + "6304"
    return payload + f"{crc16_ccitt(payload.encode('utf-8')):04X}"


def _location(location: str) -> str:
    location = location.removeprefix("https://")
    if not location or len(location) > 77:
        raise ValueError("a charge location has 1 to 77 characters")
    return location


def pix_dynamic_code(
    location: str | None, name: str, city: str, rec_location: str | None = None
) -> str:
    """The dynamic BR Code of the charge at `location` (the PSP's URL without its scheme);
    `rec_location` adds a Pix Automático recurrence (field 80, the "QR composto"). Without a
    charge (None): the recurrence's own code, which the customer reads to approve it."""
    name, city = ascii_text(name, 25), ascii_text(city, 15)
    if not name or not city:
        raise ValueError("the merchant name and city are required")
    if location is None and rec_location is None:
        raise ValueError("a charge or a recurrence location is needed")
    account = _field("00", GUI)
    if location is not None:
        account += _field("25", _location(location))
    parts = [
        _field("00", "01"),
        *([_field("01", "12")] if location is not None else []),  # a code for one payment
        _field("26", account),
        _field("52", "0000"),
        _field("53", "986"),
        _field("58", "BR"),
        _field("59", name),
        _field("60", city),
        _field("62", _field("05", NO_TXID)),
    ]
    if rec_location is not None:
        parts.append(_field("80", _field("00", GUI) + _field("25", _location(rec_location))))
    payload = "".join(parts) + "6304"
    return payload + f"{crc16_ccitt(payload.encode('utf-8')):04X}"


def emv_fields(payload: str) -> dict[str, str]:
    """The top-level fields of a BR Code by ID; ValueError when it is not well formed."""
    fields, position = {}, 0
    while position < len(payload):
        tag, size = payload[position : position + 2], payload[position + 2 : position + 4]
        if not (tag.isdigit() and size.isdigit()):
            raise ValueError(f"malformed BR Code at position {position}")
        end = position + 4 + int(size)
        if end > len(payload):
            raise ValueError(f"BR Code field {tag} runs past the end")
        fields[tag] = payload[position + 4 : end]
        position = end
    return fields


def crc_is_valid(payload: str) -> bool:
    """Whether the BR Code ends with "6304" + the right CRC of everything before it."""
    body, crc = payload[:-4], payload[-4:]
    return body.endswith("6304") and f"{crc16_ccitt(body.encode('utf-8')):04X}" == crc.upper()
