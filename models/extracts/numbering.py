"""Brazilian numbering: the termination type of a dialled number, which picks the call's tariff.

What the number dialled says, from the switch's point of view in its home area code (DDD):

- `+` and a country code, or `00` (+ carrier + country): international; `+55` is Brazil, read
  as the national number after it (so are 12-13 digits starting 55 without the plus);
- `0800`: toll-free; `0300`, `0303`, `0500`, `0900`: special (premium or shared cost);
- `0` + 2-digit carrier (CSP) + area code + number, or `0` + area code + number: a national
  call, long distance unless the area code is the home one (then the number itself decides);
- area code + number (10-11 digits): as above, without the `0`;
- the subscriber number: 9 digits starting with 9 is a mobile, wherever it is (a mobile in
  another area is still a mobile); 8 digits starting 2-5 a fixed line (local in the home area,
  long distance elsewhere); 8 digits starting 6-9 a mobile from before the ninth digit (2016);
  8-digit 300X/400X (and 4020, 4062, 4090) numbers are special, national single numbers;
  3 digits starting with 1 (100, 102, 190, 192, 193, ...) are public-utility services: special.

Anything else is not a number the rules know, and `termination_of` says so with ValueError.
"""

import re

from models.customers.identifiers import DDDS
from models.extracts.calls import INTERNATIONAL, LOCAL, LONG_DISTANCE, MOBILE, SPECIAL, TOLL_FREE

BRAZIL = "55"
# 0XXX non-geographic numbers: 0800 + 6 or 7 digits, the others likewise (10 or 11 digits).
PREFIXED_SPECIAL = ("0300", "0303", "0500", "0900")
# 8-digit national single numbers ("4004-1234"), dialled without an area code.
SINGLE_NUMBER_PREFIXES = ("300", "400", "4020", "4062", "4090")


def termination_of(dialled: str, home_area_code: str) -> str:
    """The termination type (models.extracts.calls.TERMINATIONS) of `dialled` from `home_area_code`.

    Raises ValueError when the digits are not a number Brazilian numbering knows.
    """
    raw = dialled.strip()
    digits = re.sub(r"\D", "", raw)
    if not digits:
        raise ValueError(f"no digits in {dialled!r}")
    if raw.startswith("+"):
        if not digits.startswith(BRAZIL):
            return INTERNATIONAL
        return _national(digits[2:], home_area_code)
    if digits.startswith("00"):
        return INTERNATIONAL
    if digits.startswith("0") and len(digits) in (10, 11):
        if digits.startswith("0800"):
            return TOLL_FREE
        if digits.startswith(PREFIXED_SPECIAL):
            return SPECIAL
    if digits.startswith("0"):
        rest = digits[1:]
        if len(rest) in (12, 13):  # a carrier code (CSP) before the area code
            rest = rest[2:]
        return _national(rest, home_area_code)
    if len(digits) in (12, 13) and digits.startswith(BRAZIL):
        return _national(digits[2:], home_area_code)
    if len(digits) in (10, 11):
        return _national(digits, home_area_code)
    return _subscriber(digits)


def _national(number: str, home_area_code: str) -> str:
    """Area code + subscriber number (10 or 11 digits)."""
    if len(number) not in (10, 11):
        raise ValueError(f"{number!r} is not an area code and a number")
    area, subscriber = number[:2], number[2:]
    if area not in DDDS:
        raise ValueError(f"unknown area code (DDD) {area}")
    kind = _subscriber(subscriber)
    if kind == LOCAL and area != home_area_code:
        return LONG_DISTANCE
    return kind


def _subscriber(number: str) -> str:
    """A number without area code: as dialled inside its own area."""
    if len(number) == 3 and number.startswith("1"):
        return SPECIAL
    if len(number) == 9 and number.startswith("9"):
        return MOBILE
    if len(number) == 8:
        if number.startswith(SINGLE_NUMBER_PREFIXES):
            return SPECIAL
        if number[0] in "2345":
            return LOCAL
        if number[0] in "6789":
            return MOBILE
    raise ValueError(f"{number!r} is not a subscriber number")
