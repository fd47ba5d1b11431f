"""The API budget shared through the dashboard's database (no Redis configured).

One row per API (contacts.models.ApiBudget). A draw is one short transaction: read the row
locked, apply the rules in budget.State, write it back. SQLite runs every transaction as
BEGIN IMMEDIATE (settings: transaction_mode), which takes the database's write lock before the
read; PostgreSQL locks the row with SELECT ... FOR UPDATE. Either way two draws from any two
threads or processes never read the same count.

A draw is on every page's path, so it is two plain SQL statements rather than ORM queries
(building those cost more than running the statements), and its commit does not wait for
the disk: the count only matters for the next minute, so a power cut that lost the last few
draws would cost nothing (SQLite: synchronous=NORMAL around the transaction, safe with WAL;
PostgreSQL: synchronous_commit off for it).

The draw runs on the thread's ordinary connection: call the API outside `transaction.atomic()`,
or the row stays locked for the whole call.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from .budget import News, Outcome, Rules, State

COLUMNS = ("limit", "remaining", "reset_at", "paused_until", "users")
SQLITE_NORMAL = 1  # PRAGMA synchronous: with WAL, a commit is safe but not waited onto disk


class DatabaseStore:
    def __init__(self, *, scope: str, using: str = DEFAULT_DB_ALIAS) -> None:
        self.scope = scope
        self.using = using
        connection = connections[using]
        if (connection.vendor == "sqlite"
                and connection.settings_dict.get("OPTIONS", {}).get("transaction_mode")
                != "IMMEDIATE"):
            # A deferred transaction reads without the write lock: two draws could read the
            # same count, and the second to write would fail with "database is locked".
            raise ImproperlyConfigured("The API budget needs SQLite's transaction_mode "
                                       "IMMEDIATE (taskip_admin/settings.py sets it).")
        self._sql: dict[str, str] = {}
        self._sqlite_level: int | None = None

    def __repr__(self) -> str:
        return f"<DatabaseStore {self.using}>"

    def take(self, *, now: float, background: bool, user: str | None, rules: Rules) -> Outcome:
        with self._transaction() as cursor:
            state = self._locked(cursor, rules)
            outcome = state.take(now=now, background=background, user=user, rules=rules)
            if outcome.granted:
                self._save(cursor, state)
        return outcome

    def learn(self, news: News, *, now: float, rules: Rules) -> None:
        with self._transaction() as cursor:
            state = self._locked(cursor, rules)
            state.learn(news, now=now)
            self._save(cursor, state)

    def peek(self, *, rules: Rules) -> State:
        with connections[self.using].cursor() as cursor:
            cursor.execute(self._statements()["select"], [self.scope])
            row = cursor.fetchone()
        return self._state(row) if row is not None else State.fresh(rules)

    @contextmanager
    def _transaction(self):
        connection = connections[self.using]
        durable = None
        # SQLite refuses to change this inside a transaction (the caller's, in tests).
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            durable = self._sqlite_synchronous(connection)
            if durable > SQLITE_NORMAL:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA synchronous = {SQLITE_NORMAL}")
            else:
                durable = None  # already no wait for the disk: nothing to switch
        try:
            with transaction.atomic(using=self.using), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL synchronous_commit = off")
                yield cursor
        finally:
            if durable is not None:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA synchronous = {durable}")

    def _sqlite_synchronous(self, connection: Any) -> int:
        # Set per connection by settings (init_command) if at all, so read once.
        if self._sqlite_level is None:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous")
                self._sqlite_level = int(cursor.fetchone()[0])
        return self._sqlite_level

    def _locked(self, cursor, rules: Rules) -> State:
        sql = self._statements()
        cursor.execute(sql["lock"], [self.scope])
        row = cursor.fetchone()
        if row is None:
            # Two processes may both find no row: one insert wins, the other is ignored, and
            # both then lock the one row.
            fresh = State.fresh(rules)
            cursor.execute(sql["insert"], [self.scope, fresh.limit, fresh.remaining, 0.0, 0.0,
                                           self._users_param({})])
            cursor.execute(sql["lock"], [self.scope])
            row = cursor.fetchone()
        return self._state(row)

    def _save(self, cursor, state: State) -> None:
        cursor.execute(self._statements()["update"], [
            state.limit, state.remaining, state.reset_at, state.paused_until,
            self._users_param(state.users), self.scope,
        ])

    def _state(self, row: Any) -> State:
        from contacts.models import ApiBudget

        users = ApiBudget._meta.get_field("users").from_db_value(
            row[4], None, connections[self.using])
        return State(limit=row[0], remaining=row[1], reset_at=row[2], paused_until=row[3],
                     users=users or {})

    def _users_param(self, users: dict[str, int]) -> Any:
        from contacts.models import ApiBudget

        return ApiBudget._meta.get_field("users").get_db_prep_save(
            users, connections[self.using])

    def _statements(self) -> dict[str, str]:
        if not self._sql:
            from contacts.models import ApiBudget

            connection = connections[self.using]
            quote = connection.ops.quote_name
            table = quote(ApiBudget._meta.db_table)
            scope = quote("scope")
            columns = ", ".join(quote(c) for c in COLUMNS)
            assignments = ", ".join(f"{quote(c)} = %s" for c in COLUMNS)
            # Identifiers only, quoted by the backend; every value is a parameter.
            select = f"SELECT {columns} FROM {table} WHERE {scope} = %s"  # noqa: S608
            # Django leaves FOR UPDATE out where the database has none (SQLite, whose
            # BEGIN IMMEDIATE already holds the write lock); so does this.
            lock = select + (" FOR UPDATE" if connection.features.has_select_for_update else "")
            self._sql = {
                "select": select,
                "lock": lock,
                "insert": (f"INSERT INTO {table} ({scope}, {columns}) "  # noqa: S608
                           "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"),
                "update": f"UPDATE {table} SET {assignments} WHERE {scope} = %s",  # noqa: S608
            }
        return self._sql
