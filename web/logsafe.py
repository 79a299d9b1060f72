"""Log lines a caller cannot forge: every message's control and invisible characters are escaped.

A request path, a header or a username reaches log messages as typed; one line break in it
would start a second, forged line ("... 204 user=admin"). Escaping the whole message, at the
one place every record is made, covers every logger of the process (ours, Flask's, Celery's)
without each call site having to remember it. A traceback keeps its lines, but the text of
each exception in it (which may quote input) is escaped too.
"""

import logging
import traceback

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


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _traceback_lines(error: traceback.TracebackException):
    """What traceback prints for `error` and the exceptions chained to it, with each
    exception's own text (type, message, notes) escaped onto one line."""
    if getattr(error, "exceptions", None):
        yield from error.format()  # an ExceptionGroup: traceback's own tree drawing
        return
    if error.__cause__ is not None:
        yield from _traceback_lines(error.__cause__)
        yield _CAUSE
    elif error.__context__ is not None and not error.__suppress_context__:
        yield from _traceback_lines(error.__context__)
        yield _CONTEXT
    if error.stack:
        yield "Traceback (most recent call last):\n"
        yield from error.stack.format()
    for line in error.format_exception_only():
        yield escape(line.removesuffix("\n")) + "\n"


class EscapedRecord(logging.LogRecord):
    """A log record whose message, and the exception texts of its traceback, are escaped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.exc_info and self.exc_info[1] is not None:
            # Formatters print exc_text when it is set, instead of formatting exc_info.
            error = traceback.TracebackException(*self.exc_info)
            self.exc_text = "".join(_traceback_lines(error)).removesuffix("\n")

    def getMessage(self) -> str:
        return escape(super().getMessage())


def escape_log_messages() -> None:
    """Make every log record of this process from now on an EscapedRecord."""
    logging.setLogRecordFactory(EscapedRecord)
