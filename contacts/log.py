"""Logged values are escaped: a newline in a username must not forge a second log line."""

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(value: object) -> str:
    """`value` as text with control characters shown as escapes (\\n, \\x1b, \\u2028)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))


class EscapeControlCharacters(logging.Filter):
    """A handler filter: every record's arguments (and a message without arguments) escaped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: _escaped(v) for k, v in record.args.items()}
            else:
                record.args = tuple(_escaped(a) for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = printable(record.msg)
        return True


def _escaped(value: object) -> object:
    return printable(value) if isinstance(value, str) else value
