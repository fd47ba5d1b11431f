"""Serialised writes for a threaded server on SQLite.

SQLite allows one writer at a time. Every request thread has its own connection, and with WAL
readers never wait; writers would otherwise race for the lock and the loser could fail with
"database is locked" after the busy timeout. One process-wide lock around each write
transaction makes writers queue politely instead.
"""

import threading
from contextlib import contextmanager

from django.db import connection, transaction

write_lock = threading.Lock()


@contextmanager
def write_transaction():
    with write_lock, transaction.atomic():
        yield


def enable_wal():
    """Write-ahead logging lets readers proceed during a write; the setting sticks to the file."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
