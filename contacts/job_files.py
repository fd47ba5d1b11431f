"""Files that carry contact data: export files, uploaded imports, failed-row files
(docs/architecture.md, "Export and import").

They live under settings.JOB_FILES_DIR, which the web server never serves: only the download
view hands them out, to their owner or an admin. Every file is created readable by the
dashboard's own user only (0600), and none outlives JOB_FILE_RETENTION_HOURS.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("contacts.job_files")

EXPORTS = "exports"  # finished export files (a Job's result_file)
PARTS = "parts"  # one directory per export job: its pages, until they are joined
UPLOADS = "uploads"  # uploaded import files and their dry runs
FAILED = "failed"  # an import job's failed rows (a Job's result_file)


def root() -> Path:
    return Path(settings.JOB_FILES_DIR)


def folder(*parts: str) -> Path:
    """A directory under JOB_FILES_DIR, made private (0700) if it did not exist."""
    path = root().joinpath(*parts)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path:
    """Where a job's result_file name points. Resolved against JOB_FILES_DIR as it is now:
    the model field's storage was made once, when the model was, and would miss a change."""
    return root() / name


def new_name(prefix: str, suffix: str = ".csv") -> str:
    # Unguessable, so that nothing about one file's name leads to another's.
    return f"{prefix}-{secrets.token_urlsafe(12)}{suffix}"


def open_private(path: Path, mode: str = "w", **kwargs):
    """Open a new file for writing that only the dashboard's user can read (0600).

    os.open with a mode, not open() then chmod: there is no moment at which the file exists
    with the umask's (often world-readable) permissions.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, mode, **kwargs)


def expiry() -> datetime:
    return timezone.now() + retention()


def retention() -> timedelta:
    return timedelta(hours=float(settings.JOB_FILE_RETENTION_HOURS))


def delete_expired_files(*, now: datetime | None = None) -> int:
    """Delete every job file older than JOB_FILE_RETENTION_HOURS; returns how many went.

    Two sweeps: jobs whose result file has expired lose it (the job keeps its ledger and its
    expiry, so its page can say the file is gone), and any other file or directory left under
    JOB_FILES_DIR longer than the retention (uploads never imported, parts of a cancelled
    export) is removed by its modification time.

    Called when an export or import job is made (contacts/views/transfer.py) and by
    `manage.py delete_expired_job_files`, which a deployment runs from cron.
    """
    from .models import Job

    now = now or timezone.now()
    deleted = 0
    for job in Job.objects.filter(result_expires_at__lte=now).exclude(result_file=""):
        with contextlib.suppress(FileNotFoundError):
            path_of(job.result_file.name).unlink()
            deleted += 1
        Job.objects.filter(pk=job.pk).update(result_file="")
    base = root()
    if not base.is_dir():
        return deleted
    oldest = now.timestamp() - retention().total_seconds()
    for kind in (EXPORTS, PARTS, UPLOADS, FAILED):
        directory = base / kind
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            try:
                if entry.stat().st_mtime > oldest:
                    continue
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except FileNotFoundError:
                continue  # another process swept it first
            deleted += 1
    if deleted:
        logger.info("deleted %d expired job files", deleted)
    return deleted

