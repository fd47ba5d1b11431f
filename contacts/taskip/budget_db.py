"""The API budget shared through the dashboard's database (no Redis configured).

One row per API (contacts.models.ApiBudget). A draw is one short transaction: read the row
locked, apply the rules in budget.State, write it back. SQLite runs every transaction as
BEGIN IMMEDIATE (settings: transaction_mode), which takes the database's write lock before the
read; PostgreSQL locks the row with SELECT ... FOR UPDATE. Either way two draws from any two
threads or processes never read the same count.

The draw runs on the thread's ordinary connection: call the API outside `transaction.atomic()`,
or the row stays locked for the whole call.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from .budget import News, Outcome, Rules, State

FIELDS = ("limit", "remaining", "reset_at", "paused_until", "users")


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

    def __repr__(self) -> str:
        return f"<DatabaseStore {self.using}>"

    def take(self, *, now: float, background: bool, user: str | None, rules: Rules) -> Outcome:
        with transaction.atomic(using=self.using):
            state = self._locked(rules)
            outcome = state.take(now=now, background=background, user=user, rules=rules)
            if outcome.granted:
                self._save(state)
        return outcome

    def learn(self, news: News, *, now: float, rules: Rules) -> None:
        with transaction.atomic(using=self.using):
            state = self._locked(rules)
            state.learn(news, now=now)
            self._save(state)

    def peek(self, *, rules: Rules) -> State:
        row = self._rows().first()
        return State(*row) if row is not None else State.fresh(rules)

    def _rows(self):
        from contacts.models import ApiBudget

        return ApiBudget.objects.using(self.using).filter(scope=self.scope).values_list(*FIELDS)

    def _locked(self, rules: Rules) -> State:
        # select_for_update is PostgreSQL's row lock; Django leaves it out on SQLite, where
        # BEGIN IMMEDIATE already holds the database's write lock.
        rows = list(self._rows().select_for_update())
        if not rows:
            from contacts.models import ApiBudget

            fresh = State.fresh(rules)
            # Two processes may both find no row: one insert wins, the other is ignored, and
            # both then lock the one row.
            ApiBudget.objects.using(self.using).bulk_create(
                [ApiBudget(scope=self.scope, limit=fresh.limit, remaining=fresh.remaining)],
                ignore_conflicts=True,
            )
            rows = list(self._rows().select_for_update())
        return State(*rows[0])

    def _save(self, state: State) -> None:
        from contacts.models import ApiBudget

        ApiBudget.objects.using(self.using).filter(scope=self.scope).update(
            limit=state.limit, remaining=state.remaining, reset_at=state.reset_at,
            paused_until=state.paused_until, users=state.users,
        )
