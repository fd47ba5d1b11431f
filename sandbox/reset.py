"""Test support (--allow-reset): put the sandbox back the way it was when it started.

At start-up, after migrating and seeding, the command takes a snapshot of the whole database
into memory with SQLite's backup API. `POST /_sandbox/reset` copies it back over the live file
the same way: contacts, billings, invitations and id sequences return to their seeded state in
milliseconds, where starting a fresh process costs a second. Whatever else holds state (the
rate limiter's counters) listens for `state_reset`.
"""

import sqlite3
import threading

from django.db import connection
from django.dispatch import Signal

from .db import write_lock

# Sent after the database has been restored; receivers forget their in-memory state.
state_reset = Signal()

_snapshot = None
_snapshot_lock = threading.Lock()


def take_snapshot():
    """Copy the database as it is now into memory; `restore()` brings this copy back."""
    global _snapshot
    connection.ensure_connection()
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(copy)
    with _snapshot_lock:
        _snapshot = copy


def restore():
    """Overwrite the database with the snapshot, then tell everyone else to reset."""
    if _snapshot is None:
        raise RuntimeError("No snapshot was taken at start-up.")
    # Writers queue on the write lock, so none is half-way through a transaction meanwhile;
    # readers on other connections see the old rows or the restored ones, never a mixture.
    with write_lock, _snapshot_lock:
        connection.ensure_connection()
        _snapshot.backup(connection.connection)
    state_reset.send(sender=None)
