"""Background tasks: Django's Tasks framework, stored by django-tasks-db, run by `db_worker`.

Thin on purpose: the rules live in contacts/job_runner.py, where tests call them directly.
"""

from django.tasks import task

from . import job_runner


@task(takes_context=True)
def run_job(context, job_id: int) -> None:
    """Work on a job; or, when this run is the job's watchdog, make sure someone is."""
    job_runner.run(job_id, task_id=str(context.task_result.id))
