"""A task for the worker tests; `db_worker` imports it by its path, as it would a real job's."""

from django.tasks import task


@task
def echo(value: int) -> int:
    return value
