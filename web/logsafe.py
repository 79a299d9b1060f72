"""Log lines a caller cannot forge: every message's control and invisible characters are escaped.

A request path, a header or a username reaches log messages as typed; one line break in it
would start a second, forged line ("... 204 user=admin"). Escaping the whole message, at the
one place every record is made, covers every logger of the process (ours, Flask's, Celery's)
without each call site having to remember it. Tracebacks (exc_info) are left as they are.
"""

import logging

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def escape(text: str) -> str:
    """`text` on one line: line breaks, control and other unprintable characters as escapes.

    A backslash is doubled too, so a typed "\\n" cannot pass for an escaped line break.
    """
    if text.isprintable() and "\\" not in text:
        return text  # the usual case, without building a new string
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class EscapedRecord(logging.LogRecord):
    """A log record whose message is escaped once its arguments are put in."""

    def getMessage(self) -> str:
        return escape(super().getMessage())


def escape_log_messages() -> None:
    """Make every log record of this process from now on an EscapedRecord."""
    logging.setLogRecordFactory(EscapedRecord)
