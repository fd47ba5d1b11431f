"""The dashboard's database on a real PostgreSQL server: migrations, and the row locks that
give each background task to exactly one worker."""

import time

import pytest

from .django_process import DjangoProcess, SnippetFailed
from .hosts import Deployment

READY_TASKS = (
    "from django_tasks_db.models import DBTaskResult\ntasks = DBTaskResult.objects.ready()\n"
)


def test_every_migration_applies_on_postgres(stores_env):
    with DjangoProcess(stores_env) as shell:
        # --check exits non-zero if any migration is left unapplied.
        shell.run(
            "from django.core.management import call_command\ncall_command('migrate', '--check')"
        )
        vendor, groups = shell.run(
            "from django.contrib.auth.models import Group\n"
            "from django.db import connection\n"
            "result = [connection.vendor,"
            " sorted(Group.objects.filter(permissions__isnull=False).distinct()"
            ".values_list('name', flat=True))]"
        )
    assert vendor == "postgresql"
    assert groups == ["Contact admins", "Contact editors", "Contact viewers"]


def _in_transaction(body: str) -> str:
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    return f"from django.db import transaction\n{READY_TASKS}with transaction.atomic():\n{indented}"


def test_a_task_locked_by_one_worker_is_skipped_by_another(stores_env):
    with DjangoProcess(stores_env) as a, DjangoProcess(stores_env) as b:
        a.run("from tests.stores.tasks import echo\nfor n in range(2): echo.enqueue(n)")
        # A takes a task the way db_worker does, and keeps its transaction (and lock) open.
        mine = a.run(
            "from django.db import transaction\n" + READY_TASKS
            + "transaction.set_autocommit(False)\nresult = str(tasks.get_locked().id)"
        )  # fmt: skip

        theirs = b.run(_in_transaction("result = str(tasks.get_locked().id)"))
        assert theirs != mine
        lock_mine = f"result = len(tasks.filter(id={mine!r}).select_for_update(nowait=True))"
        with pytest.raises(SnippetFailed, match="could not obtain lock"):
            b.run(_in_transaction(lock_mine))

        a.run("transaction.rollback()\ntransaction.set_autocommit(True)")
        assert b.run(_in_transaction(lock_mine)) == 1


def test_two_workers_run_each_task_exactly_once(stores_env, tmp_path):
    deployment = Deployment(stores_env, tmp_path)
    try:
        with DjangoProcess(stores_env) as shell:
            shell.run("from tests.stores.tasks import echo\nfor n in range(20): echo.enqueue(n)")
            for name in ("a", "b"):
                deployment.start_db_worker(name, "--interval", "0.05", "--no-startup-delay")

            deadline = time.monotonic() + 60
            while shell.run(READY_TASKS + "result = tasks.count()") and time.monotonic() < deadline:
                time.sleep(0.05)
            finished = shell.run(
                "from django_tasks_db.models import DBTaskResult\n"
                "result = list(DBTaskResult.objects.values_list('status', 'worker_ids',"
                " 'return_value'))"
            )
    finally:
        deployment.stop()

    assert sorted(value for _, _, value in finished) == list(range(20))
    assert {status for status, _, _ in finished} == {"SUCCESSFUL"}, deployment.workers[
        "a"
    ].log_text()
    assert all(len(worker_ids) == 1 for _, worker_ids, _ in finished)
