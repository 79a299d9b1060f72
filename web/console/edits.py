"""Changes typed into an edit form: only what differs from what is stored goes to a PATCH schema.

A form shows every field; the API's PATCH takes the fields to change. `changed` compares what
was typed (the form's API body, blanks as None) with the stored values, so an untouched field
is not sent, and a field emptied is sent as null (cleared).
"""

import re
from datetime import date

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def changed(body: dict, stored: dict, masked: frozenset[str] | set[str] = frozenset()) -> dict:
    """What of `body` differs from `stored` (both in the API's names); nested dicts part by part.

    `masked` names fields typed with punctuation (CPF, CEP, phones): compared by letters and
    digits only. A nested dict whose parts are all blank stands for clearing it (None)."""
    out: dict = {}
    for name, value in body.items():
        old = stored.get(name)
        if isinstance(value, dict):
            if all(part is None for part in value.values()):
                if old is not None:
                    out[name] = None
                continue
            parts = {
                part: new
                for part, new in value.items()
                if not _same(new, (old or {}).get(part), f"{name}.{part}" in masked)
            }
            if parts:
                out[name] = parts
        elif not _same(value, old, name in masked):
            out[name] = value
    return out


def _same(new, old, masked: bool) -> bool:
    if isinstance(old, date):
        old = old.isoformat()
    if new is None or old is None or old == "":
        return (new is None) == (old is None or old == "")
    if isinstance(new, bool) or isinstance(old, bool):
        return new == old
    new, old = (str(value).replace("\r\n", "\n").strip() for value in (new, old))
    if masked:
        return _NOT_ALNUM.sub("", new).upper() == _NOT_ALNUM.sub("", old).upper()
    return new == old
