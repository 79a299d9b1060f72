"""File names people gave to uploads: cleaned for display, and made safe for a download header.

The name an upload arrived with is only ever shown; files are stored under server-chosen names.
"""

import unicodedata
from urllib.parse import quote

MAX_NAME_LENGTH = 255
FALLBACK_NAME = "document"
# Unicode categories never kept in a name: controls (Cc), invisible format characters such as
# the right-to-left override that disguises "gpj.exe" (Cf), line and paragraph separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# Characters a quoted header parameter or a file system could misread.
_UNSAFE_IN_HEADER = frozenset('"\\/;:*?<>|')
# RFC 5987 attr-char beyond letters and digits: everything else is percent-encoded.
_ATTR_CHARS = "!#$&+-.^_`|~"


def display_name(raw: str | None) -> str:
    """The upload's name for display: last path part only, no control characters, <= 255."""
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    # Either separator, whatever the client's system: "C:\\x\\y.pdf" and "../../etc/passwd".
    text = text.replace("\\", "/").rpartition("/")[2]
    if len(text) >= 2 and text[1] == ":" and text[0].isascii() and text[0].isalpha():
        text = text[2:]  # a drive-relative name such as "C:y.pdf"
    text = text.strip().strip(".").strip()
    if not text:
        return FALLBACK_NAME
    return _shortened(text, MAX_NAME_LENGTH)


def _shortened(name: str, limit: int) -> str:
    """`name` cut to `limit` characters, keeping a short extension."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 16:
        return stem[: limit - len(extension) - 1].rstrip() + "." + extension
    return name[:limit]


def _header_safe(name: str) -> str:
    cleaned = "".join("_" if ch in _UNSAFE_IN_HEADER else ch for ch in display_name(name))
    return cleaned.strip() or FALLBACK_NAME


def ascii_name(name: str) -> str:
    """An ASCII stand-in for `name` (accents dropped, other characters as "_")."""
    decomposed = unicodedata.normalize("NFKD", _header_safe(name))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = "".join(ch if " " <= ch <= "~" else "_" for ch in bare)
    return plain.strip() or FALLBACK_NAME


def attachment_disposition(name: str) -> str:
    """A Content-Disposition header for downloading `name`: ASCII `filename`, plus RFC 5987
    `filename*` in UTF-8 when the name has other characters."""
    safe = _header_safe(name)
    fallback = ascii_name(safe)
    value = f'attachment; filename="{fallback}"'
    if fallback != safe:
        value += f"; filename*=UTF-8''{quote(safe, safe=_ATTR_CHARS)}"
    return value
