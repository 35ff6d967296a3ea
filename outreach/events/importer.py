"""CSV import of service events: the rows go through ingest_events(source="csv") a chunk at a
time.

The file is read twice: a first pass checks that it is usable (UTF-8, a header with the
required columns, well-formed CSV) and counts the rows, so a bad file imports nothing; the
second pass ingests a chunk of rows at a time. Row numbers are line numbers in the file
(header = row 1).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from outreach.errors import OutreachError
from outreach.models.base import utcnow

log = logging.getLogger(__name__)

COLUMNS = (
    "external_id",
    "type",
    "occurred_at",
    "customer_external_id",
    "customer_name",
    "customer_phone",
    "customer_timezone",
    "customer_email",
    "rep_email",
    "rep_name",
    "summary",
)
REQUIRED_COLUMNS = COLUMNS[:6]
ROW_LOGGERS = ("outreach.events.ingest", "outreach.scheduling")
CHUNK_ROWS = 500  #: rows validated, then looked up together
CLI_HELP = """Import service events from a CSV file (UTF-8, comma-separated, a header row).

\b
Columns (the first six are required; the others may be left out or left empty):
  external_id           your id of the event; a row whose id is stored already is skipped
  type                  install, repair, ticket_closed... (the schedules' event type)
  occurred_at           ISO-8601 with a UTC offset, e.g. 2024-05-01T17:30:00-05:00
  customer_external_id  your id of the customer (its name, phone... are updated)
  customer_name
  customer_phone        a mobile number: E.164 (+13125550123) or US national
  customer_timezone     an IANA zone such as America/Chicago (else from the number)
  customer_email
  rep_email             the rep who did the work (a rep user is created if new)
  rep_name
  summary               what was done

Every row goes through the same validation as POST /api/v1/events. Rejected rows are
listed with their row number (the line in the file; the header is row 1) and the column
at fault; the other rows are imported. Importing the same file again imports nothing twice.

\b
Exit status:
  0  the rows were processed, even if some were rejected
  1  the file cannot be used (missing, not UTF-8, empty, not CSV, a required column
     missing or an unknown column): nothing is imported; or an unexpected error stopped
     the import (the rows before it are kept)
"""


class UnusableFile(OutreachError):
    """The file cannot be imported at all (not UTF-8, no header, a missing column…)."""

    status = 422
    code = "unusable_file"


@dataclass(frozen=True)
class CsvFile:
    """A checked CSV file: its path, the columns of its header and how many data rows it has."""

    path: Path
    columns: tuple[str, ...]
    rows: int


@dataclass(frozen=True)
class RowNote:
    """Something said about one row of the file: its number, the column (when one is), what."""

    row: int
    column: str | None
    message: str
    prefix: ClassVar[str] = ""

    def __str__(self) -> str:
        where = f"row {self.row}: {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.prefix}{self.message}"


class Rejection(RowNote):
    """A row that was not imported, with the column at fault (when one is) and why."""


class Notice(RowNote):
    """A row that was imported but deserves a look (another customer has the same number)."""

    prefix = "warning: "


@dataclass
class ImportReport:
    """What an import did; `aborted` is set when an unexpected error stopped it."""

    rows: int = 0
    imported: int = 0
    already_present: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    aborted: str | None = None

    @property
    def rejected(self) -> int:
        """How many rows were rejected."""
        return len(self.rejections)

    def summary(self) -> str:
        """The line "N rows: A imported, D already present, R rejected"."""
        return (
            f"{self.rows} rows: {self.imported} imported, "
            f"{self.already_present} already present, {self.rejected} rejected"
        )


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Decoded lines with their line numbers; the BOM dropped; UnusableFile on bad UTF-8."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            if number == 1:
                if line.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise UnusableFile("the file is UTF-16; save it as CSV UTF-8")
                if line.startswith(codecs.BOM_UTF8):
                    line = line[len(codecs.BOM_UTF8) :]
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnusableFile(
                    f"line {number} is not UTF-8 (byte 0x{line[exc.start]:02x} at position "
                    f"{exc.start + 1}); save the file as CSV UTF-8"
                ) from None


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the line number each starts on."""
    position = {"line": 0}

    def feed() -> Iterator[str]:
        for number, text in _lines(path):
            position["line"] = number
            yield text

    reader = csv.reader(feed(), strict=True)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnusableFile(f"the record on line {start} is not valid CSV: {exc}") from None
        if any(cell.strip() for cell in record):
            yield start, record
        start = position["line"] + 1


def _header(record: list[str]) -> tuple[str, ...]:
    columns = [cell.strip().lower() for cell in record]
    while columns and not columns[-1]:
        columns.pop()
    if len(columns) == 1 and ";" in columns[0]:
        raise UnusableFile("the header is separated by semicolons; the file must use commas")
    if "" in columns:
        raise UnusableFile(f"column {columns.index('') + 1} of the header has no name")
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise UnusableFile(f"the header repeats column {', '.join(duplicates)}")
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise UnusableFile(
            f"unknown column {', '.join(unknown)} in the header (allowed: {', '.join(COLUMNS)})"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise UnusableFile(
            f"the header lacks the required column {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED_COLUMNS)})"
        )
    return tuple(columns)


def open_csv(path: Path | str) -> CsvFile:
    """Check a CSV file end to end and count its data rows; raise UnusableFile if it is unusable."""
    path = Path(path)
    try:
        records = _records(path)
        first = next(records, None)
        if first is None:
            raise UnusableFile(
                f"the file is empty; its first line must be the header: {','.join(COLUMNS)}"
            )
        columns = _header(first[1])
        rows = sum(1 for _ in records)
    except FileNotFoundError:
        raise UnusableFile(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UnusableFile(f"{path} is a directory") from None
    except PermissionError:
        raise UnusableFile(f"cannot read {path}: permission denied") from None
    return CsvFile(path=path, columns=columns, rows=rows)


def row_to_event(values: Mapping[str, str]) -> dict[str, Any]:
    """The event JSON of one CSV row; empty optional cells are left out (they change nothing)."""

    def cell(column: str) -> str:
        return (values.get(column) or "").strip()

    event: dict[str, Any] = {key: cell(key) for key in ("external_id", "type", "occurred_at")}
    customer = {key: cell(f"customer_{key}") for key in ("external_id", "name", "phone")}
    customer.update(
        {key: cell(f"customer_{key}") for key in ("timezone", "email") if cell(f"customer_{key}")}
    )
    event["customer"] = customer
    rep = {key: cell(f"rep_{key}") for key in ("email", "name") if cell(f"rep_{key}")}
    if rep:
        event["rep"] = rep
    if cell("summary"):
        event["summary"] = cell("summary")
    return event


@contextlib.contextmanager
def quiet_row_logs() -> Iterator[None]:
    """Hold back the per-event INFO lines of ingest and planning (the import logs a summary)."""
    loggers = [logging.getLogger(name) for name in ROW_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _column(field_path: str | None) -> str | None:
    """The CSV column of an event-JSON field path ("customer.phone" → "customer_phone")."""
    return field_path.replace(".", "_") if field_path else None


def _shape_problem(record: list[str], width: int) -> str | None:
    if len(record) < width or any(cell.strip() for cell in record[width:]):
        hint = " (put values that contain commas in double quotes)" if len(record) > width else ""
        return f"has {len(record)} values but the header has {width} columns{hint}"
    return None


def _end_transaction() -> None:
    """Commit what is pending (nothing but the look-ups' reads): no snapshot is held between
    chunks."""
    from outreach.extensions import db

    db.session.commit()


def _chunks(records: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    chunk = []
    for item in records:
        chunk.append(item)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _abort(report: ImportReport, line: int, exc: Exception, later: int) -> None:
    """Stop at row `line`: the report then counts only the rows up to it."""
    log.error("csv import stopped at row %d by %s", line, type(exc).__name__)
    report.rows -= later
    report.rejections = [r for r in report.rejections if r.row < line]
    report.rejections.append(Rejection(line, None, f"not imported: {type(exc).__name__}"))
    detail = (str(exc).splitlines() or [""])[0][:300]
    report.aborted = (
        f"row {line}: {type(exc).__name__}: {detail} — the import stopped; the rows before it "
        "are stored, and importing the file again skips them"
    )


def _warn_shared_phones(
    report: ImportReport, created: list[tuple[int, int]], warned: set[int]
) -> None:
    """Warn (once per customer) when another customer stored before the row has the row's
    customer's number: a new external id with a known number is probably a duplicate, and a
    text from that number cannot tell them apart. `created` is (row, customer id) of the rows
    of a chunk that were imported (one query)."""
    from outreach.customers.service import customers_by_phone

    first_row: dict[int, int] = {}
    for line, customer_id in created:
        first_row.setdefault(customer_id, line)
    others = customers_by_phone({c for _, c in created if c not in warned})
    for line, customer_id in created:
        earlier = [o for o in others.get(customer_id, []) if first_row.get(o.id, 0) < line]
        if customer_id in warned or not earlier:
            continue
        warned.add(customer_id)
        report.warnings.append(
            Notice(
                line,
                "customer_phone",
                f"{earlier[0].name} (customer {earlier[0].external_id}) has the same number; if "
                "they are the same person, merge them on the Customers page (Possible "
                "duplicates)",
            )
        )


def _ingest_chunk(
    report: ImportReport,
    rows: list[tuple[int, dict[str, Any]]],
    lines: list[int],
    now: datetime | None,
) -> list[tuple[int, Any]]:
    """The outcome of each row up to the end of the chunk or the row where an unexpected
    error (a bug, a database failure) stopped the import."""
    from outreach.events.ingest import IngestStopped, ingest_events

    payloads = [payload for _, payload in rows]
    try:
        outcomes = ingest_events(payloads, "csv", now or utcnow(), objects=False)
    except IngestStopped as stop:
        line = rows[stop.index][0]
        _abort(report, line, stop.__cause__, later=sum(1 for n in lines if n > line))
        outcomes = stop.outcomes
    return [(line, outcome) for (line, _), outcome in zip(rows, outcomes, strict=False)]


@contextlib.contextmanager
def old_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist now (the app, SQLAlchemy's and pydantic's machinery,
    phonenumbers' metadata: ~200,000) out of the garbage collector's passes until the end
    (gc.freeze): an import makes millions of short-lived objects, and each full pass walked
    all of those old ones too, a third of the import's CPU."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_events(
    source: CsvFile,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Ingest every row of a checked CSV file; rejected rows are reported, never fatal.

    Rows go through ingest_events a chunk at a time (the same validation as the API, one
    transaction per chunk), so a rejected row loses nothing and running the same file twice
    imports nothing twice; an unexpected error stops the import, keeping the rows before it.
    """
    with old_objects_frozen():
        return _import_rows(source, now, progress)


def _import_rows(
    source: CsvFile, now: datetime | None, progress: Callable[[int], None] | None
) -> ImportReport:
    from outreach.events.ingest import StoredEvent

    report = ImportReport()
    warned: set[int] = set()
    width = len(source.columns)
    records = _records(source.path)
    next(records)  # the header
    for chunk in _chunks(records):
        rows: list[tuple[int, dict[str, Any]]] = []
        for line, record in chunk:
            report.rows += 1
            problem = _shape_problem(record, width)
            if problem:
                report.rejections.append(Rejection(line, None, problem))
                continue
            rows.append((line, row_to_event(dict(zip(source.columns, record, strict=False)))))
        created = []
        for line, outcome in _ingest_chunk(report, rows, [n for n, _ in chunk], now):
            if not isinstance(outcome, StoredEvent):
                report.rejections.append(Rejection(line, _column(outcome.field), outcome.message))
            elif outcome.created:
                report.imported += 1
                created.append((line, outcome.customer_id))
            else:
                report.already_present += 1
        _warn_shared_phones(report, created, warned)
        _end_transaction()
        if progress is not None:
            progress(len(chunk))
        if report.aborted:
            break
    report.rejections.sort(key=lambda rejection: rejection.row)
    log.info(
        "csv import: %d rows, %d imported, %d already present, %d rejected, %d warnings",
        report.rows,
        report.imported,
        report.already_present,
        report.rejected,
        len(report.warnings),
    )
    return report
