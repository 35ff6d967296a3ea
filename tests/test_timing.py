"""The pure timing engine: windows, quiet hours, delays, expiry and DST, with Hypothesis."""

from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.scheduling.durations import Duration, add_duration
from outreach.scheduling.timing import (
    DEFAULT_FLOOR,
    Floor,
    Window,
    WindowError,
    blocked_reason,
    compute_due,
    customer_zone,
    describe_days,
    first_allowed,
    floor_from_settings,
    make_floor,
    parse_days,
    parse_hhmm,
    reschedule_due,
)

CHICAGO = ZoneInfo("America/Chicago")
ZONES = (
    "America/Chicago",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Los_Angeles",
    "Europe/Berlin",
    "UTC",
)
WEEKDAYS = Window(time(9), time(17), frozenset(range(5)))
#: a floor that lets the DST gap and overlap hours through, to test them directly
OPEN_FLOOR = Floor(time(0, 0), time(23, 59))


@cache
def transitions_2026(zone_name: str) -> tuple[datetime, ...]:
    """Every UTC offset change of a zone in 2026 (found by scanning hourly, then bisecting)."""
    zone = ZoneInfo(zone_name)
    found = []
    t = datetime(2026, 1, 1, tzinfo=UTC)
    while t.year == 2026:
        nxt = t + timedelta(hours=1)
        if t.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(microsecond=0))
        t = nxt
    return tuple(found)


def is_allowed(instant: datetime, window: Window | None, zone: ZoneInfo, floor: Floor) -> bool:
    """The oracle: local time inside the floor, and inside the window on one of its days."""
    local = instant.astimezone(zone)
    if not floor.start <= local.time() < floor.end:
        return False
    if window is None:
        return True
    return local.weekday() in window.days and window.start <= local.time() < window.end


def minutes(lo: int, hi: int) -> st.SearchStrategy[time]:
    return st.integers(lo, hi).map(lambda m: time(m // 60, m % 60))


@st.composite
def windows(draw) -> Window | None:
    if draw(st.booleans()):
        return None
    start = draw(st.integers(0, 23 * 60 + 58))
    end = draw(st.integers(start + 1, 23 * 60 + 59))
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return Window(time(start // 60, start % 60), time(end // 60, end % 60), days)


@st.composite
def floors(draw) -> Floor:
    kind = draw(st.sampled_from(["legal", "stricter", "open"]))
    if kind == "legal":
        return DEFAULT_FLOOR
    if kind == "open":
        return OPEN_FLOOR
    return Floor(draw(minutes(8 * 60, 12 * 60)), draw(minutes(13 * 60, 21 * 60)))


@st.composite
def scenarios(draw) -> dict:
    zone_name = draw(st.sampled_from(ZONES))
    changes = transitions_2026(zone_name)
    anchor = draw(st.sampled_from(changes)) if changes else datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    event_at = anchor + timedelta(seconds=draw(st.integers(-3 * 86400, 3 * 86400)))
    delay = Duration(draw(st.integers(0, 3)), draw(st.integers(0, 48 * 3600)))
    expire = draw(st.none() | st.builds(Duration, st.integers(0, 10), st.integers(0, 72 * 3600)))
    now = event_at + timedelta(seconds=draw(st.integers(-86400, 4 * 86400)))
    return {
        "zone": ZoneInfo(zone_name),
        "event_at": event_at,
        "delay": delay,
        "window": draw(windows()),
        "expire_after": expire,
        "now": now,
        "floor": draw(floors()),
        "probe": draw(st.floats(0, 1, exclude_max=True)),
    }


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_due_time_is_never_in_quiet_hours_early_or_after_expiry(case):
    zone, window, floor = case["zone"], case["window"], case["floor"]
    timing = compute_due(
        case["event_at"],
        case["delay"],
        window,
        case["expire_after"],
        zone,
        case["now"],
        floor,
    )
    target = add_duration(case["event_at"], case["delay"], zone)
    assert timing.earliest_at == max(target, case["now"])
    assert timing.reason
    if timing.suppressed is None:
        due = timing.due_at
        assert due is not None and due.tzinfo is not None
        assert is_allowed(due, window, zone, floor)
        assert due >= target and due >= case["now"]
        if timing.expires_at is not None:
            assert due <= timing.expires_at
        if due > timing.earliest_at:
            # nothing earlier was allowed: the instant before, and a random one in between
            assert not is_allowed(due - timedelta(seconds=1), window, zone, floor)
            gap = int((due - timing.earliest_at).total_seconds() * case["probe"])
            probe = min(timing.earliest_at + timedelta(seconds=gap), due - timedelta(seconds=1))
            assert not is_allowed(probe, window, zone, floor)
        assert timing.reason.startswith(("due ", "moved from "))
    elif timing.suppressed == "expired":
        assert timing.due_at is None
        assert timing.expires_at is not None
        assert timing.earliest_at > timing.expires_at or timing.candidate_at > timing.expires_at
        assert timing.reason.startswith("suppressed: expired")
    else:
        assert timing.suppressed == "no_allowed_time"
        start = max(window.start, floor.start) if window else floor.start
        end = min(window.end, floor.end) if window else floor.end
        assert start >= end


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_rescheduled_time_obeys_the_window_and_is_never_before_the_request(case):
    zone, window, floor = case["zone"], case["window"], case["floor"]
    requested = case["event_at"]
    now = requested - timedelta(minutes=1)
    timing = reschedule_due(requested, window, None, zone, now, floor)
    if timing.due_at is not None:
        assert timing.due_at >= requested
        assert is_allowed(timing.due_at, window, zone, floor)
    else:
        assert timing.suppressed == "no_allowed_time"


# -- the 2026 US clock changes: Sunday 8 March (spring forward), Sunday 1 November (fall back)


def chicago(*args) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)


def test_spring_forward_evening_after_uses_elapsed_hours():
    event = chicago(2026, 3, 7, 18, 0)  # Saturday, CST
    timing = compute_due(event, "PT20H", None, None, CHICAGO, event)
    assert timing.due_at == chicago(2026, 3, 8, 15, 0)  # 20 h later is 15:00 CDT
    assert timing.reason == "due Sun 15:00 America/Chicago: event + 20 hours"


def test_spring_forward_one_day_keeps_the_wall_time():
    event = chicago(2026, 3, 7, 18, 0)
    timing = compute_due(event, "P1D", None, None, CHICAGO, event)
    assert timing.due_at.astimezone(CHICAGO).hour == 18
    assert timing.due_at == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)


def test_spring_forward_gap_time_moves_to_the_first_valid_instant():
    event = chicago(2026, 3, 7, 2, 30)
    window = Window(time(2, 0), time(4, 0))
    timing = compute_due(event, "P1D", window, None, CHICAGO, event, OPEN_FLOOR)
    assert timing.due_at == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert timing.due_at.astimezone(CHICAGO).strftime("%H:%M %Z") == "03:00 CDT"


def test_window_start_inside_the_gap_opens_at_the_clock_change():
    earliest = chicago(2026, 3, 8, 0, 30)
    window = Window(time(2, 15), time(5, 0))
    due = first_allowed(earliest, window, CHICAGO, OPEN_FLOOR)
    assert due == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)


def test_window_entirely_inside_the_gap_waits_for_the_next_day():
    earliest = chicago(2026, 3, 8, 0, 30)
    window = Window(time(2, 15), time(2, 45))
    due = first_allowed(earliest, window, CHICAGO, OPEN_FLOOR)
    assert due.astimezone(CHICAGO) == chicago(2026, 3, 9, 2, 15)


def test_fall_back_evening_after_uses_elapsed_hours():
    event = chicago(2026, 10, 31, 18, 0)  # Saturday, CDT
    timing = compute_due(event, "PT20H", None, None, CHICAGO, event)
    assert timing.due_at == datetime(2026, 11, 1, 19, 0, tzinfo=UTC)  # 13:00 CST
    assert timing.reason == "due Sun 13:00 America/Chicago: event + 20 hours"


def test_fall_back_one_day_keeps_the_wall_time():
    event = chicago(2026, 10, 31, 18, 0)
    timing = compute_due(event, "P1D", None, None, CHICAGO, event)
    assert timing.due_at == datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # 18:00 CST


def test_fall_back_repeated_hour_is_used_again_when_it_is_in_the_window():
    earliest = datetime(2026, 11, 1, 6, 45, tzinfo=UTC)  # 01:45 CDT, first pass
    window = Window(time(1, 0), time(1, 30))
    due = first_allowed(earliest, window, CHICAGO, OPEN_FLOOR)
    assert due == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)  # 01:00 CST, second pass
    assert due.astimezone(CHICAGO).strftime("%H:%M %Z") == "01:00 CST"


def test_fall_back_never_gives_a_time_before_the_window_start():
    earliest = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)  # 01:00 CST, after the clocks went back
    window = Window(time(1, 30), time(3, 0))
    due = first_allowed(earliest, window, CHICAGO, OPEN_FLOOR)
    assert due == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)  # 01:30 CST, not 01:00
    assert blocked_reason(due, window, CHICAGO, OPEN_FLOOR) is None


def test_fall_back_window_end_in_the_repeated_hour_is_respected():
    earliest = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 CDT
    window = Window(time(0, 30), time(1, 15))
    due = first_allowed(earliest, window, CHICAGO, OPEN_FLOOR)
    assert due == earliest
    later = datetime(2026, 11, 1, 6, 20, tzinfo=UTC)  # 01:20 CDT: outside, next is 01:00 CST
    assert first_allowed(later, window, CHICAGO, OPEN_FLOOR) == datetime(
        2026, 11, 1, 7, 0, tzinfo=UTC
    )


# -- reasons


def test_reason_for_a_move_out_of_quiet_hours_and_the_window():
    event = chicago(2026, 3, 7, 2, 10)  # Saturday
    timing = compute_due(event, "PT20H", WEEKDAYS, "P3D", CHICAGO, event)
    assert timing.due_at == chicago(2026, 3, 9, 9, 0)
    assert timing.reason == (
        "moved from Sat 22:10 (event + 20 hours) to Mon 09:00 America/Chicago: "
        "outside the window (Mon\u2013Fri 09:00\u201317:00) and inside quiet hours "
        "(21:00\u201308:00)"
    )


def test_reason_for_a_move_out_of_the_window_only():
    event = chicago(2026, 3, 13, 18, 0)  # Friday
    timing = compute_due(event, "PT20H", WEEKDAYS, None, CHICAGO, event)
    assert timing.reason == (
        "moved from Sat 14:00 (event + 20 hours) to Mon 09:00 America/Chicago: "
        "outside the window (Mon\u2013Fri 09:00\u201317:00)"
    )


def test_reason_when_expired_after_moving():
    event = chicago(2026, 3, 6, 16, 0)  # Friday
    timing = compute_due(event, "PT20H", WEEKDAYS, "P2D", CHICAGO, event)
    assert timing.due_at is None
    assert timing.suppressed == "expired"
    assert timing.candidate_at == chicago(2026, 3, 9, 9, 0)
    assert timing.reason == (
        "suppressed: expired — the first allowed time Mon 09:00 is after the latest useful "
        "time Sun 16:00 America/Chicago"
    )


def test_reason_when_the_event_is_older_than_its_expiry():
    event = chicago(2026, 3, 2, 10, 0)
    now = chicago(2026, 3, 10, 10, 0)
    timing = compute_due(event, "PT20H", None, "P2D", CHICAGO, now)
    assert timing.suppressed == "expired"
    assert timing.reason == (
        "suppressed: expired — it is already past the latest useful time Wed 10:00 America/Chicago"
    )


def test_reason_when_the_delay_itself_is_past_expiry():
    event = chicago(2026, 3, 2, 10, 0)
    timing = compute_due(event, "P3D", None, "P2D", CHICAGO, event)
    assert timing.suppressed == "expired"
    assert "event + 3 days (Thu 10:00) is after the latest useful time Wed 10:00" in timing.reason


def test_reason_when_the_delay_has_already_passed():
    event = chicago(2026, 3, 10, 9, 0)
    now = chicago(2026, 3, 10, 12, 0)
    timing = compute_due(event, "PT1H", None, None, CHICAGO, now)
    assert timing.due_at == now
    assert timing.reason == "due Tue 12:00 America/Chicago: now (event + 1 hour was Tue 10:00)"


def test_window_inside_quiet_hours_is_suppressed_with_a_reason():
    event = chicago(2026, 3, 10, 9, 0)
    window = Window(time(22, 0), time(23, 0))
    timing = compute_due(event, "PT0S", window, None, CHICAGO, event)
    assert timing.suppressed == "no_allowed_time"
    assert timing.due_at is None
    assert "quiet hours (21:00\u201308:00)" in timing.reason


def test_company_floor_can_be_stricter():
    floor = make_floor("09:00", "20:00")
    event = chicago(2026, 3, 10, 20, 30)
    timing = compute_due(event, "PT0S", None, None, CHICAGO, event, floor)
    assert timing.due_at == chicago(2026, 3, 11, 9, 0)
    assert "inside quiet hours (20:00\u201309:00)" in timing.reason


def test_other_zones_use_their_own_local_time():
    kolkata = ZoneInfo("Asia/Kolkata")
    event = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 20:30 in Kolkata
    timing = compute_due(event, "PT1H", None, None, kolkata, event)
    assert timing.due_at.astimezone(kolkata) == datetime(2026, 6, 2, 8, 0, tzinfo=kolkata)


def test_compute_due_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_due(datetime(2026, 3, 1), "PT0S", None, None, CHICAGO, datetime.now(UTC))


# -- reschedule


def test_reschedule_refuses_the_past():
    now = chicago(2026, 3, 10, 12, 0)
    with pytest.raises(ValueError, match="in the past"):
        reschedule_due(now - timedelta(minutes=5), None, None, CHICAGO, now)


def test_reschedule_keeps_an_allowed_time():
    now = chicago(2026, 3, 10, 12, 0)
    timing = reschedule_due(chicago(2026, 3, 11, 10, 0), WEEKDAYS, None, CHICAGO, now)
    assert timing.due_at == chicago(2026, 3, 11, 10, 0)
    assert timing.reason == "due Wed 10:00 America/Chicago: rescheduled on request"


def test_reschedule_reapplies_the_window():
    now = chicago(2026, 3, 10, 12, 0)
    timing = reschedule_due(chicago(2026, 3, 14, 10, 0), WEEKDAYS, None, CHICAGO, now)
    assert timing.due_at == chicago(2026, 3, 16, 9, 0)
    assert timing.reason.startswith("moved from Sat 10:00 (requested) to Mon 09:00")


def test_reschedule_after_expiry_is_suppressed():
    now = chicago(2026, 3, 10, 12, 0)
    expires = chicago(2026, 3, 12, 12, 0)
    timing = reschedule_due(chicago(2026, 3, 13, 10, 0), None, expires, CHICAGO, now)
    assert timing.suppressed == "expired"
    assert timing.due_at is None


# -- zones, windows, floors


def test_customer_zone_prefers_the_record():
    assert customer_zone("Europe/London", "+13125550100", "America/New_York") == (
        "Europe/London",
        "record",
    )


def test_customer_zone_falls_back_to_the_phone_then_the_company():
    assert customer_zone(None, "+13125550100", "America/New_York") == ("America/Chicago", "phone")
    assert customer_zone("Not/AZone", "+12125550100", "UTC") == ("America/New_York", "phone")
    # a UK mobile number spans several zones in the metadata: company default
    assert customer_zone(None, "+447700900123", "Europe/London") == ("Europe/London", "company")
    assert customer_zone(None, None, "bogus") == ("UTC", "utc")


def test_window_parse_names_the_bad_part():
    with pytest.raises(WindowError) as info:
        Window.parse({"start": "9am", "end": "17:00"})
    assert info.value.field == "start"
    with pytest.raises(WindowError) as info:
        Window.parse({"start": "09:00", "end": "08:00"})
    assert info.value.field == "end"
    with pytest.raises(WindowError) as info:
        Window.parse({"start": "09:00", "end": "17:00", "days": ["mon", "funday"]})
    assert info.value.field == "days"
    with pytest.raises(WindowError) as info:
        Window.parse({"start": "09:00", "end": "17:00", "days": []})
    assert info.value.field == "days"
    with pytest.raises(WindowError) as info:
        Window.parse({"start": "09:00", "end": "17:00", "tz": "UTC"})
    assert info.value.field == "tz"


def test_window_round_trips_json_and_columns():
    window = Window.parse({"start": "9:30", "end": "17:00", "days": ["Fri", "mon", "tuesday"]})
    assert window.to_json() == {"start": "09:30", "end": "17:00", "days": ["mon", "tue", "fri"]}
    assert Window.from_columns("09:30", "17:00", window.days_csv()) == window
    assert Window.from_columns(None, None, None) is None


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ("mon,tue,wed,thu,fri", "Mon\u2013Fri"),
        ("sat,sun", "Sat, Sun"),
        ("mon,wed,fri", "Mon, Wed, Fri"),
        ("mon,tue,wed,thu,fri,sat,sun", "every day"),
        ("mon,tue,wed,sat", "Mon\u2013Wed, Sat"),
    ],
)
def test_days_are_described_for_people(days, text):
    assert describe_days(parse_days(days)) == text


@pytest.mark.parametrize("bad", ["24:00", "12:60", "noon", "", None, "7"])
def test_parse_hhmm_rejects_bad_times(bad):
    with pytest.raises(ValueError):
        parse_hhmm(bad)


def test_company_floor_may_not_be_looser_than_the_law():
    with pytest.raises(ValueError, match="stricter"):
        make_floor("07:00", "21:00")
    with pytest.raises(ValueError, match="stricter"):
        make_floor("08:00", "22:00")
    assert floor_from_settings("07:00", "22:00") == DEFAULT_FLOOR
    assert floor_from_settings("09:00", "20:00") == Floor(time(9), time(20))
    assert floor_from_settings("garbage", "20:00") == DEFAULT_FLOOR
