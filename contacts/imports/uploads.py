"""The uploaded file between the steps: kept under JOB_FILES_DIR (private, swept after the
retention), never in the session; the browser holds only a signed reference to it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.core import signing

from .. import job_files
from .dry_run import DryRun
from .files import ImportFileError
from .mapping import ColumnMapping

UPLOAD_SALT = "contacts.import.upload"


@dataclass(frozen=True)
class Upload:
    token: str  # names the stored file; handed to the browser only signed
    filename: str

    @property
    def path(self) -> Path:
        return job_files.folder(job_files.UPLOADS) / f"{self.token}.csv"

    @property
    def plan_path(self) -> Path:
        return job_files.folder(job_files.UPLOADS) / f"{self.token}.json"

    def signed(self, user) -> str:
        return signing.dumps({"t": self.token, "u": user.pk, "n": self.filename},
                             salt=UPLOAD_SALT)

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise ImportFileError(_GONE) from None


_GONE = ("That upload has already been imported or has expired. Upload the file again.")


def store_upload(data: bytes, filename: str) -> Upload:
    """Keep the uploaded file under JOB_FILES_DIR (private, swept after the retention), not in
    the session: the mapping and confirming steps read it again."""
    name = job_files.new_name("upload", "")
    upload = Upload(token=name, filename=os.path.basename(filename or "")[:100])
    with job_files.open_private(upload.path, "wb") as file:
        file.write(data)
    return upload


def find_upload(user, signed: str) -> Upload:
    """The upload this user made, from the signed reference the form carried."""
    try:
        value = signing.loads(signed, salt=UPLOAD_SALT,
                              max_age=job_files.retention().total_seconds())
    except signing.BadSignature:
        raise ImportFileError(_GONE) from None
    if not isinstance(value, dict) or value.get("u") != user.pk:
        raise ImportFileError(_GONE)
    return Upload(token=str(value["t"]), filename=str(value.get("n", "")))


def save_plan(upload: Upload, mapping: ColumnMapping, result: DryRun) -> None:
    """What the dry run learnt from TaskIP, so confirming it doesn't ask again."""
    plan = {"mapping": mapping.as_list(), "existing": result.existing,
            "companies": result.companies, "calls": result.calls}
    with job_files.open_private(upload.plan_path, "w", encoding="utf-8") as file:
        json.dump(plan, file)


def load_plan(upload: Upload, mapping: ColumnMapping) -> dict | None:
    """The saved dry run, if it was made for this same mapping."""
    try:
        plan = json.loads(upload.plan_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return plan if plan.get("mapping") == mapping.as_list() else None


def claim_upload(upload: Upload) -> bool:
    """Take the upload for one job: a rename only one request can win, so a double-clicked
    Import button starts one job, not two."""
    try:
        os.replace(upload.path, upload.path.with_suffix(".claimed"))
    except FileNotFoundError:
        return False
    return True


def discard_upload(upload: Upload) -> None:
    for path in (upload.path, upload.path.with_suffix(".claimed"), upload.plan_path):
        path.unlink(missing_ok=True)
