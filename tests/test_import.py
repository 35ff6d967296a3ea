"""`outreach import-events`: CSV rows through ingest_event, with a report of every rejected row."""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from outreach.cli import cli
from outreach.events.importer import COLUMNS, UnusableFile, import_events, open_csv, row_to_event
from outreach.models import CheckIn, Customer, ServiceEvent, utcnow

HEADER = ",".join(COLUMNS)


def _when(days_ago: float = 2) -> str:
    return (utcnow() - timedelta(days=days_ago)).isoformat(timespec="seconds")


def _row(n: int, **overrides: str) -> dict[str, str]:
    row = {
        "external_id": f"job-{n}",
        "type": "install",
        "occurred_at": _when(),
        "customer_external_id": f"cust-{n}",
        "customer_name": f"Customer {n}",
        "customer_phone": f"+1312555{n % 100 + 100:04d}",
        "customer_timezone": "",
        "customer_email": "",
        "rep_email": "sam@example.com",
        "rep_name": "Sam",
        "summary": f"job {n}",
    }
    row.update(overrides)
    return row


def _csv_text(rows: list[dict[str, str]], columns=COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def write_csv(tmp_path):
    """A callable writing text or bytes to a CSV file and returning its path."""

    def _write(content: str | bytes, name: str = "events.csv"):
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return _write


@pytest.fixture
def run_import(runner):
    """Run `outreach import-events PATH` against the test app."""

    def _run(path):
        return runner.invoke(cli, ["import-events", str(path)])

    return _run


def _events(db) -> list[ServiceEvent]:
    return list(db.session.scalars(sa.select(ServiceEvent).order_by(ServiceEvent.id)))


def test_invalid_rows_are_reported_with_row_and_column_and_the_others_imported(
    db, write_csv, run_import
):
    rows = [
        _row(1),
        _row(2, customer_phone="12"),
        _row(3),
        _row(4, customer_timezone="Mars/Olympus"),
        _row(5, occurred_at="yesterday"),
        _row(6),
    ]
    result = run_import(write_csv(_csv_text(rows)))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("row 3: customer_phone: ")
    assert lines[1].startswith("row 5: customer_timezone: not an IANA time zone")
    assert lines[2].startswith("row 6: occurred_at: ")
    assert lines[-1] == "6 rows: 3 imported, 0 already present, 3 rejected"
    events = _events(db)
    assert [e.external_id for e in events] == ["job-1", "job-3", "job-6"]
    assert {e.source for e in events} == {"csv"}
    assert "Importing" in result.stderr


def test_importing_the_same_file_twice_imports_nothing_twice(db, write_csv, run_import):
    from outreach.scheduling.policies import create_policy

    create_policy(
        {
            "name": "install text",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT20H",
            "template": "Hi {{ customer.first_name }}, how did it go?",
        }
    )
    path = write_csv(_csv_text([_row(1), _row(2), _row(3, customer_phone="x"), _row(1)]))
    first = run_import(path)
    assert first.stdout.splitlines()[-1] == "4 rows: 2 imported, 1 already present, 1 rejected"
    checkins = db.session.scalar(sa.select(sa.func.count(CheckIn.id)))
    assert checkins == 2
    second = run_import(path)
    assert second.exit_code == 0
    assert second.stdout.splitlines()[-1] == "4 rows: 0 imported, 3 already present, 1 rejected"
    assert len(_events(db)) == 2
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == checkins


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"\xef\xbb\xbf\n\n  \n", "the file is empty", id="bom-and-blank-lines"),
        pytest.param(
            (b"external_id,type,occurred_at,customer_name,customer_phone\n"),
            "lacks the required column customer_external_id",
            id="missing-column",
        ),
        pytest.param(
            (HEADER.replace("customer_timezone", "customer_timzone") + "\n").encode(),
            "unknown column customer_timzone",
            id="misspelt-column",
        ),
        pytest.param(
            (HEADER.replace(",", ";") + "\n").encode(), "separated by semicolons", id="semicolons"
        ),
        pytest.param(
            (HEADER + ",type\n").encode(), "the header repeats column type", id="repeated-column"
        ),
        pytest.param(codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"), "UTF-16", id="utf-16"),
    ],
)
def test_unusable_file_exits_1_with_a_clear_error(write_csv, run_import, content, expected):
    result = run_import(write_csv(content))
    assert result.exit_code == 1
    assert expected in result.stderr


def test_file_that_is_not_utf8_imports_nothing_and_names_the_line(db, write_csv, run_import):
    text = _csv_text([_row(1), _row(2, customer_name="José Núñez"), _row(3)])
    result = run_import(write_csv(text.encode("latin-1")))
    assert result.exit_code == 1
    assert "line 3 is not UTF-8 (byte 0xe9" in result.stderr
    assert _events(db) == []


def test_missing_file_exits_1(tmp_path, run_import):
    result = run_import(tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_bom_crlf_blank_lines_and_quoted_newlines_keep_row_numbers_of_the_file(
    db, write_csv, run_import
):
    rows = [_row(1, summary="line one\nline two"), _row(2, customer_name=""), _row(3)]
    text = _csv_text(rows).replace("\n", "\r\n")
    lines = text.split("\r\n")
    # header, row 1 (two lines), blank, row 2, blank, blank, row 3
    lines.insert(3, "")
    lines.insert(5, ",,,")
    lines.insert(5, "")
    content = codecs.BOM_UTF8 + "\r\n".join(lines).encode()
    result = run_import(write_csv(content))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "row 5: customer_name: must not be empty",
        "3 rows: 2 imported, 0 already present, 1 rejected",
    ]
    events = _events(db)
    assert [e.external_id for e in events] == ["job-1", "job-3"]
    assert events[0].summary == "line one\r\nline two"


def test_header_only_file_is_zero_rows_and_exit_0(db, write_csv, run_import):
    result = run_import(write_csv(HEADER + "\n"))
    assert result.exit_code == 0
    assert result.stdout.strip() == "0 rows: 0 imported, 0 already present, 0 rejected"


def test_optional_columns_may_be_left_out_of_the_header(db, write_csv, run_import):
    columns = COLUMNS[:6]
    row = {k: v for k, v in _row(7).items() if k in columns}
    result = run_import(write_csv(_csv_text([row], columns=columns)))
    assert result.stdout.splitlines()[-1] == "1 rows: 1 imported, 0 already present, 0 rejected"
    event = _events(db)[0]
    assert event.rep_id is None
    assert event.summary is None


def test_row_with_more_values_than_the_header_is_rejected_with_a_hint(db, write_csv, run_import):
    text = _csv_text([_row(1)]) + "job-2,install," + _when() + ",c2,Smith, Jo,+13125550102\n"
    result = run_import(write_csv(text.replace(HEADER, ",".join(COLUMNS[:6]))))
    assert result.exit_code == 0
    assert (
        "row 3: has 7 values but the header has 6 columns (put values that contain commas in "
        "double quotes)"
    ) in result.stdout


def test_rep_name_without_rep_email_is_rejected_on_rep_email(db, write_csv, run_import):
    result = run_import(write_csv(_csv_text([_row(1, rep_email="", rep_name="Sam")])))
    assert result.stdout.splitlines()[0].startswith("row 2: rep_email: ")
    assert _events(db) == []


def test_empty_optional_cell_does_not_clear_what_is_stored(db, write_csv, run_import):
    first = _row(1, customer_timezone="America/Denver", customer_email="a@example.net")
    run_import(write_csv(_csv_text([first]), name="a.csv"))
    second = _row(2, customer_external_id="cust-1", customer_name="Renamed")
    result = run_import(write_csv(_csv_text([second]), name="b.csv"))
    assert result.stdout.splitlines()[-1].startswith("1 rows: 1 imported")
    db.session.expire_all()
    customer = db.session.scalar(sa.select(Customer).where(Customer.external_id == "cust-1"))
    assert customer.name == "Renamed"
    assert customer.timezone == "America/Denver"
    assert customer.email == "a@example.net"


def test_row_to_event_maps_columns_to_the_event_json():
    payload = row_to_event(
        {
            **_row(1, occurred_at="2024-05-01T10:00:00-05:00"),
            "customer_timezone": " America/Chicago ",
            "rep_name": "",
        }
    )
    assert payload == {
        "external_id": "job-1",
        "type": "install",
        "occurred_at": "2024-05-01T10:00:00-05:00",
        "customer": {
            "external_id": "cust-1",
            "name": "Customer 1",
            "phone": "+13125550101",
            "timezone": "America/Chicago",
        },
        "rep": {"email": "sam@example.com"},
        "summary": "job 1",
    }


def test_open_csv_counts_data_rows_and_refuses_before_importing(db, write_csv):
    source = open_csv(write_csv(_csv_text([_row(1), _row(2)]) + "\n\n"))
    assert source.rows == 2
    bad = write_csv(_csv_text([_row(1)]) + '"unterminated,\x00\n', name="bad.csv")
    with pytest.raises(UnusableFile):
        open_csv(bad)
    report = import_events(source)
    assert (report.rows, report.imported, report.rejected) == (2, 2, 0)


def _refuse_event_in_database(db, external_id: str) -> None:
    """A database trigger that fails the insert of one event (a stand-in for a broken disk)."""
    if db.engine.dialect.name == "sqlite":
        statements = [
            f"CREATE TRIGGER refuse BEFORE INSERT ON service_events "
            f"WHEN NEW.external_id = '{external_id}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
    else:
        statements = [
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.external_id = '{external_id}' THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT ON service_events "
            "FOR EACH ROW EXECUTE FUNCTION refuse()",
        ]
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()


@pytest.fixture
def refuse_event(db):
    """Install the trigger; drop it afterwards (PostgreSQL keeps functions across tests)."""
    yield lambda external_id: _refuse_event_in_database(db, external_id)
    db.session.rollback()
    db.session.execute(
        sa.text("DROP TRIGGER IF EXISTS refuse ON service_events")
        if db.engine.dialect.name != "sqlite"
        else sa.text("DROP TRIGGER IF EXISTS refuse")
    )
    if db.engine.dialect.name != "sqlite":
        db.session.execute(sa.text("DROP FUNCTION IF EXISTS refuse()"))
    db.session.commit()


def test_a_database_failure_stops_the_import_keeping_the_rows_before_it(
    db, write_csv, run_import, refuse_event
):
    refuse_event("job-3")
    rows = [_row(1), _row(2, customer_phone="x"), _row(3), _row(4), _row(5, customer_phone="x")]
    result = run_import(write_csv(_csv_text(rows)))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "row 3: customer_phone: not a phone number"
    assert re.fullmatch(r"row 4: not imported: \w+Error", lines[1])
    assert lines[2:] == ["3 rows: 1 imported, 0 already present, 2 rejected"]
    assert "refused" in result.stderr and "the import stopped" in result.stderr
    assert [e.external_id for e in _events(db)] == ["job-1"]


def test_the_import_freezes_old_objects_for_its_duration_only(db, write_csv):
    """What existed before the import is left out of the garbage collector's passes while it
    runs (gc.freeze) and given back after, also when the import fails."""
    frozen_during: list[int] = []
    path = write_csv(_csv_text([_row(1), _row(2)]))
    before = gc.get_freeze_count()
    report = import_events(
        open_csv(path), progress=lambda n: frozen_during.append(gc.get_freeze_count())
    )
    assert report.imported == 2
    assert frozen_during and frozen_during[0] > 10_000
    assert gc.get_freeze_count() == before == 0

    def fail(n: int) -> None:
        raise RuntimeError("the progress bar broke")

    with pytest.raises(RuntimeError):
        import_events(open_csv(write_csv(_csv_text([_row(3)]))), progress=fail)
    assert gc.get_freeze_count() == 0
