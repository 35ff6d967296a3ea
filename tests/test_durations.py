"""ISO-8601 policy durations: parsing, canonical form, calendar days versus elapsed time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.scheduling.durations import (
    Duration,
    add_duration,
    canonical,
    format_duration,
    parse_duration,
)

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("text", "days", "seconds"),
    [
        ("PT0S", 0, 0),
        ("PT20H", 0, 20 * 3600),
        ("P2D", 2, 0),
        ("P1DT2H30M", 1, 2 * 3600 + 30 * 60),
        ("P1W", 7, 0),
        ("P1W2D", 9, 0),
        ("PT90M", 0, 5400),
        ("pt45s", 0, 45),
        (" P3D ", 3, 0),
    ],
)
def test_parse_accepts_policy_durations(text, days, seconds):
    assert parse_duration(text) == Duration(days, seconds)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("P1Y", "years and months"),
        ("P2M", "years and months"),
        ("P1Y2DT3H", "years and months"),
        ("PT1.5H", "fractions"),
        ("PT1,5H", "fractions"),
        ("P", "no amount"),
        ("PT", "not an ISO-8601 duration"),
        ("P1DT", "not an ISO-8601 duration"),
        ("20H", "starts with P"),
        ("-P1D", "negative"),
        ("P1H", "not an ISO-8601 duration"),
        ("PT1D", "not an ISO-8601 duration"),
        ("", "empty"),
        ("P99999D", "longer than"),
        ("soon", "starts with P"),
    ],
)
def test_parse_rejects_ambiguous_and_garbage_naming_the_problem(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_duration(text)


def test_parse_rejects_non_strings():
    with pytest.raises(ValueError, match="duration string"):
        parse_duration(20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT0S", "PT0S"),
        ("P0D", "PT0S"),
        ("P1W", "P7D"),
        ("PT90M", "PT1H30M"),
        ("PT3600S", "PT1H"),
        ("PT36H", "PT36H"),
        ("P1DT2H30M", "P1DT2H30M"),
        ("p2d", "P2D"),
    ],
)
def test_format_gives_the_canonical_string(text, expected):
    assert canonical(text) == expected


def test_hours_are_not_folded_into_days_because_a_day_is_not_always_24_hours():
    assert format_duration(Duration(0, 48 * 3600)) == "PT48H"
    assert parse_duration("PT24H") != parse_duration("P1D")


@given(st.integers(0, 3000), st.integers(0, 10 * 86400))
def test_format_then_parse_round_trips(days, seconds):
    duration = Duration(days, seconds)
    assert parse_duration(format_duration(duration)) == duration


def test_a_day_keeps_the_local_wall_time_across_spring_forward():
    start = datetime(2026, 3, 7, 10, 0, tzinfo=CHICAGO)
    result = add_duration(start, parse_duration("P1D"), CHICAGO).astimezone(CHICAGO)
    assert (result.day, result.hour, result.minute) == (8, 10, 0)
    assert (result.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 23 * 3600


def test_a_day_keeps_the_local_wall_time_across_fall_back():
    start = datetime(2026, 10, 31, 10, 0, tzinfo=CHICAGO)
    result = add_duration(start, parse_duration("P1D"), CHICAGO).astimezone(CHICAGO)
    assert (result.month, result.day, result.hour) == (11, 1, 10)
    assert (result.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 25 * 3600


def test_hours_are_elapsed_time_across_spring_forward():
    start = datetime(2026, 3, 7, 10, 0, tzinfo=CHICAGO)
    result = add_duration(start, parse_duration("PT24H"), CHICAGO).astimezone(CHICAGO)
    assert (result.day, result.hour) == (8, 11)


def test_days_then_time_part():
    start = datetime(2026, 3, 7, 10, 0, tzinfo=CHICAGO)
    result = add_duration(start, parse_duration("P1DT2H30M"), CHICAGO).astimezone(CHICAGO)
    assert (result.day, result.hour, result.minute) == (8, 12, 30)


def test_a_day_landing_in_the_spring_forward_gap_moves_to_the_first_valid_instant():
    start = datetime(2026, 3, 7, 2, 30, tzinfo=CHICAGO)
    result = add_duration(start, parse_duration("P1D"), CHICAGO)
    assert result == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert result.astimezone(CHICAGO).hour == 3


def test_subtracting_days_is_calendar_aware():
    start = datetime(2026, 3, 9, 9, 0, tzinfo=CHICAGO)
    result = add_duration(start, parse_duration("P2D"), CHICAGO, sign=-1).astimezone(CHICAGO)
    assert (result.day, result.hour) == (7, 9)


def test_add_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_duration(datetime(2026, 1, 1), Duration(1, 0), CHICAGO)


@pytest.mark.parametrize(
    "text,iso",
    [
        ("20 hours", "PT20H"),
        ("2 days", "P2D"),
        ("1 day 4 hours", "P1DT4H"),
        ("90 minutes", "PT1H30M"),
        ("1h30m", "PT1H30M"),
        ("1 day, 4 hours and 30 minutes", "P1DT4H30M"),
        ("2 weeks", "P14D"),
        ("45 sec", "PT45S"),
        (" 3 Days ", "P3D"),
        ("0", "PT0S"),
        ("PT20H", "PT20H"),
        ("p1w", "P7D"),
    ],
)
def test_human_durations_parse(text, iso):
    from outreach.scheduling.durations import parse_human_duration

    assert format_duration(parse_human_duration(text)) == iso


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "required"),
        ("soon", "not a duration"),
        ("5", "not a duration"),
        ("2 months", "months and years"),
        ("1 year", "months and years"),
        ("1.5 hours", "fractions"),
        ("-2 days", "negative"),
        ("2 dayz", "unknown unit"),
        ("3 h 4 hours", "given twice"),
        ("99999999 days", "longer than"),
        ("4000 days", "longer than"),
        ("P2M", "years and months"),
    ],
)
def test_bad_human_durations_are_named(text, message):
    from outreach.scheduling.durations import parse_human_duration

    with pytest.raises(ValueError, match=message):
        parse_human_duration(text)


@pytest.mark.parametrize(
    "iso,words",
    [
        ("PT20H", "20 hours"),
        ("P2D", "2 days"),
        ("P1DT4H", "1 day 4 hours"),
        ("PT1H30M", "1 hour 30 minutes"),
        ("P7D", "1 week"),
        ("P8D", "8 days"),
        ("PT0S", "no delay"),
        ("PT1M", "1 minute"),
    ],
)
def test_durations_in_words(iso, words):
    from outreach.scheduling.durations import describe_duration, parse_human_duration

    assert describe_duration(iso) == words
    assert format_duration(parse_human_duration(words)) == format_duration(parse_duration(iso))


def test_no_duration_in_words():
    from outreach.scheduling.durations import describe_duration

    assert describe_duration(None) == "—"
