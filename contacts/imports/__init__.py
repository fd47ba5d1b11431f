"""Importing contacts from CSV (docs/architecture.md, "Export and import").

The steps, each a plain function the views and tests call:
- `read_csv(data)` (files.py) checks the file (size, encoding, delimiter, header, row count) and
  raises ImportFileError with a message for staff; nothing is sent to TaskIP for a bad file.
- `auto_mapping(header)` (mapping.py) maps each column to a contact field, a custom field, or
  nothing.
- `dry_run(parsed, mapping)` (dry_run.py) validates every row with ContactForm's rules and finds
  duplicate emails in the file and in TaskIP, with as few list calls as possible; it writes
  nothing. The upload and what the dry run learnt wait between the steps (uploads.py).
- `start_import(...)` (job.py) makes a job with one ledger row per CSV row; `import_row` is its
  handler, and `finish_import` writes the failed rows, with an `error` column, to the job's file.
"""

from .dry_run import DryRun, RowForm, RowPlan, dry_run
from .files import MAX_BYTES, MAX_ROWS, ImportFileError, ParsedFile, Record, read_csv
from .job import CREATE, CREATE_UPDATE, MODES, finish_import, import_row, start_import
from .mapping import CUSTOM, TARGETS, ColumnMapping, auto_mapping
from .uploads import (
    Upload,
    claim_upload,
    discard_upload,
    find_upload,
    load_plan,
    save_plan,
    store_upload,
)

__all__ = [
    "CREATE", "CREATE_UPDATE", "CUSTOM", "MAX_BYTES", "MAX_ROWS", "MODES", "TARGETS",
    "ColumnMapping", "DryRun", "ImportFileError", "ParsedFile", "Record", "RowForm", "RowPlan",
    "Upload", "auto_mapping", "claim_upload", "discard_upload", "dry_run", "find_upload",
    "finish_import", "import_row", "load_plan", "read_csv", "save_plan", "start_import",
    "store_upload",
]
