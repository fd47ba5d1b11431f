"""Reading an uploaded CSV file: size, encoding, delimiter, header and row count checked before
anything is sent to TaskIP (docs/architecture.md, "Export and import")."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import charset_normalizer

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ImportFileError(Exception):
    """The file can't be imported; the message says why, in staff's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Record:
    line: int  # the row number a spreadsheet shows (the header is row 1)
    cells: tuple[str, ...]


@dataclass(frozen=True)
class ParsedFile:
    header: tuple[str, ...]
    records: tuple[Record, ...]
    delimiter: str


def read_csv(data: bytes) -> ParsedFile:
    """The file's header and rows, or ImportFileError saying what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the most an import takes is "
            f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    text = _decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(_records(reader))
    except csv.Error as exc:
        raise ImportFileError(
            f"The file isn't valid CSV near line {reader.line_num}: {exc}."
        ) from None
    header_line, header = rows[0]
    header = tuple(cell.strip() for cell in header)
    looks_like_data = [c for c in header if EMAIL_LIKE.match(c) or c.replace(".", "").isdigit()]
    if looks_like_data or not any(header):
        example = f" (it has “{looks_like_data[0][:60]}” in it)" if looks_like_data else ""
        raise ImportFileError(
            f"The first row should name the columns, but it looks like data{example}. Add a "
            "header row such as: first_name, last_name, email."
        )
    records = tuple(Record(line, tuple(cells)) for line, cells in rows[1:])
    if not records:
        raise ImportFileError("The file has column names but no rows to import.")
    if len(records) > MAX_ROWS:
        raise ImportFileError(
            f"The file has {len(records):,} rows; the most an import takes is {MAX_ROWS:,}. "
            "Split it into smaller files."
        )
    return ParsedFile(header=header, records=records, delimiter=delimiter)


def _records(reader) -> Iterable[tuple[int, list[str]]]:
    """(row number, cells) of each non-blank row; blank rows still count, as in a spreadsheet."""
    for number, cells in enumerate(reader, start=1):
        if any(c.strip() for c in cells):
            yield number, cells


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")  # a byte order mark (Excel's "CSV UTF-8") is dropped
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return text
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "This is a spreadsheet workbook (such as .xlsx), not a CSV file. Save it as "
            "“CSV UTF-8” and upload that."
        )
    encoding = _guess_encoding(data[:200_000])
    if encoding is None:
        raise ImportFileError("The file isn't text. Upload a CSV file saved as UTF-8.")
    raise ImportFileError(
        f"The file isn't UTF-8; it looks like {encoding} text. Save it as “CSV UTF-8” "
        "(or convert it to UTF-8) and upload it again."
    )


def _guess_encoding(data: bytes) -> str | None:
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    # Short Western text reads equally well as several Windows code pages; when cp1252 is one
    # of the equally good guesses, name it: it is what Excel on most Windows machines saves.
    tied = [m.encoding for m in matches
            if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    return "cp1252" if "cp1252" in tied else best.encoding


def _delimiter(text: str) -> str:
    """Which of , ; or tab separates the columns: the one that splits the first rows into the
    most columns, the same number on every row.

    Hand-written rather than csv.Sniffer: the Sniffer guesses from character frequencies and
    often fails on short files or picks a delimiter that only appears inside quoted cells.
    """
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    best, best_width = None, 1
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                    if any(c.strip() for c in r)][:20]
        except csv.Error:
            continue
        width = len(rows[0]) if rows else 0
        steady = all(len(r) == width for r in rows[1:])
        if steady and width > best_width:
            best, best_width = delimiter, width
    if best is None:
        raise ImportFileError(
            "The columns aren't separated by commas, semicolons or tabs (or the rows have "
            "different numbers of columns). Save the file as CSV and upload it again."
        )
    return best
