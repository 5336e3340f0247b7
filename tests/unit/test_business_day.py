"""Business days in Europe/Paris with a closing time (FORMATS.md §7), across both DST changes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import FormatError
from merchants.business_day import (
    business_day,
    day_bounds,
    day_start,
    days_between,
    local_hour,
    local_time,
)
from merchants.errors import InvalidBusinessDay

SPRING = dt.date(2026, 3, 29)  # 02:00 CET → 03:00 CEST
AUTUMN = dt.date(2026, 10, 25)  # 03:00 CEST → 02:00 CET


def utc(text: str) -> int:
    """Unix seconds of an ISO time written with its offset, e.g. "2026-03-14T10:00:00+01:00"."""
    return int(dt.datetime.fromisoformat(text).timestamp())


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_closing_at_midnight_makes_business_days_calendar_days() -> None:
    assert business_day(utc("2026-03-14T00:00:00+01:00")) == d("2026-03-14")
    assert business_day(utc("2026-03-13T23:59:59+01:00")) == d("2026-03-13")
    assert day_bounds(d("2026-03-14")) == (
        utc("2026-03-14T00:00:00+01:00"),
        utc("2026-03-15T00:00:00+01:00"),
    )


def test_a_payment_one_second_before_closing_belongs_to_the_previous_day() -> None:
    assert business_day(utc("2026-03-15T01:59:59+01:00"), 2) == d("2026-03-14")


def test_a_payment_at_closing_and_one_second_after_belongs_to_the_next_day() -> None:
    assert business_day(utc("2026-03-15T02:00:00+01:00"), 2) == d("2026-03-15")
    assert business_day(utc("2026-03-15T02:00:01+01:00"), 2) == d("2026-03-15")


def test_a_closing_time_with_minutes_is_honoured_to_the_second() -> None:
    closing = utc("2026-06-10T22:30:00+02:00")
    assert business_day(closing - 1, 22, 30) == d("2026-06-09")
    assert business_day(closing, 22, 30) == d("2026-06-10")
    assert day_start(d("2026-06-10"), 22, 30) == closing


def test_day_bounds_are_half_open_and_end_where_the_next_day_starts() -> None:
    start, end = day_bounds(d("2026-07-01"), 4)
    assert (start, end) == (utc("2026-07-01T04:00:00+02:00"), utc("2026-07-02T04:00:00+02:00"))
    assert business_day(start, 4) == d("2026-07-01")
    assert business_day(end - 1, 4) == d("2026-07-01")
    assert business_day(end, 4) == d("2026-07-02")


# --- spring forward: 29 March 2026, the clock jumps from 02:00 CET to 03:00 CEST ----------------


def test_the_day_of_the_spring_change_lasts_23_hours_with_a_midnight_closing() -> None:
    start, end = day_bounds(SPRING)
    assert start == utc("2026-03-29T00:00:00+01:00")
    assert end == utc("2026-03-30T00:00:00+02:00")
    assert end - start == 23 * 3600


@pytest.mark.parametrize(("hour", "minute"), [(2, 0), (2, 30), (2, 59)])
def test_a_closing_time_in_the_spring_gap_starts_the_day_when_the_clock_jumps(
    hour: int, minute: int
) -> None:
    jump = utc("2026-03-29T03:00:00+02:00")  # == 01:00 UTC, the first instant of CEST
    assert day_start(SPRING, hour, minute) == jump
    assert business_day(jump - 1, hour, minute) == d("2026-03-28")
    assert business_day(jump, hour, minute) == SPRING
    # The next day starts at the closing time as usual, in summer time.
    assert day_start(SPRING + dt.timedelta(days=1), hour, minute) == utc(
        f"2026-03-30T{hour:02d}:{minute:02d}:00+02:00"
    )


def test_a_payment_one_second_around_a_closing_at_3_on_the_spring_change() -> None:
    closing = utc("2026-03-29T03:00:00+02:00")
    assert business_day(closing - 1, 3) == d("2026-03-28")  # 01:59:59 CET
    assert business_day(closing, 3) == SPRING
    assert day_bounds(d("2026-03-28"), 3) == (utc("2026-03-28T03:00:00+01:00"), closing)


# --- fall back: 25 October 2026, the clock goes back from 03:00 CEST to 02:00 CET -----------


def test_the_day_of_the_autumn_change_lasts_25_hours_with_a_midnight_closing() -> None:
    start, end = day_bounds(AUTUMN)
    assert start == utc("2026-10-25T00:00:00+02:00")
    assert end == utc("2026-10-26T00:00:00+01:00")
    assert end - start == 25 * 3600


def test_a_closing_time_in_the_autumn_overlap_is_its_first_pass() -> None:
    first_pass = utc("2026-10-25T02:30:00+02:00")
    second_pass = utc("2026-10-25T02:30:00+01:00")
    assert day_start(AUTUMN, 2, 30) == first_pass
    assert business_day(first_pass - 1, 2, 30) == d("2026-10-24")
    assert business_day(first_pass, 2, 30) == AUTUMN
    # The repeated hour belongs to the new day, though the clock reads 02:00–02:29 again.
    assert local_time(second_pass - 1800) == dt.datetime(2026, 10, 25, 2, 0)
    assert business_day(second_pass - 1800, 2, 30) == AUTUMN
    assert business_day(second_pass, 2, 30) == AUTUMN


def test_a_payment_one_second_around_a_closing_at_2_on_the_autumn_change() -> None:
    closing = utc("2026-10-25T02:00:00+02:00")  # the first 02:00
    assert business_day(closing - 1, 2) == d("2026-10-24")
    assert business_day(closing, 2) == AUTUMN
    assert business_day(utc("2026-10-25T02:00:00+01:00"), 2) == AUTUMN  # the second 02:00
    assert day_bounds(AUTUMN, 2)[1] - closing == 25 * 3600


def test_the_local_hour_of_the_repeated_autumn_hour_is_2_both_times() -> None:
    assert local_hour(utc("2026-10-25T02:15:00+02:00")) == 2
    assert local_hour(utc("2026-10-25T02:15:00+01:00")) == 2


# --- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "minute"), [(24, 0), (-1, 0), (2, 60), (2.5, 0), (True, 0)])
def test_an_impossible_closing_time_is_refused(hour: object, minute: object) -> None:
    with pytest.raises(InvalidBusinessDay):
        business_day(0, hour, minute)  # type: ignore[arg-type]


def test_an_unknown_time_zone_is_refused_as_a_format_error() -> None:
    with pytest.raises(FormatError):
        day_bounds(d("2026-01-01"), 0, 0, "Europe/Atlantis")


def test_days_between_includes_both_ends() -> None:
    assert days_between(d("2026-02-27"), d("2026-03-01")) == [
        d("2026-02-27"),
        d("2026-02-28"),
        d("2026-03-01"),
    ]
    assert days_between(d("2026-03-01"), d("2026-02-27")) == []


# --- properties ---------------------------------------------------------------------------

instants = st.integers(utc("2024-01-01T00:00:00+00:00"), utc("2030-12-31T00:00:00+00:00"))
# The instants that matter most: within a few hours of both DST changes of 2026.
near_changes = st.sampled_from(
    [utc("2026-03-29T01:00:00+00:00"), utc("2026-10-25T01:00:00+00:00")]
).flatmap(lambda t: st.integers(t - 6 * 3600, t + 6 * 3600))
closings = st.tuples(st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 59]))
zones = st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"])


@settings(max_examples=400)
@given(instant=st.one_of(instants, near_changes), closing=closings, tz=zones)
def test_every_instant_belongs_to_exactly_one_business_day(
    instant: int, closing: tuple[int, int], tz: str
) -> None:
    day = business_day(instant, *closing, tz)
    start, end = day_bounds(day, *closing, tz)
    assert start <= instant < end
    # Not in the day before nor the day after.
    assert day_bounds(day - dt.timedelta(days=1), *closing, tz)[1] <= instant
    assert instant < day_bounds(day + dt.timedelta(days=1), *closing, tz)[0]


@settings(max_examples=300)
@given(
    day=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)) | st.sampled_from([SPRING, AUTUMN]),
    closing=closings,
    tz=zones,
)
def test_business_days_are_contiguous_and_last_22_to_26_hours(
    day: dt.date, closing: tuple[int, int], tz: str
) -> None:
    start, end = day_bounds(day, *closing, tz)
    assert end == day_bounds(day + dt.timedelta(days=1), *closing, tz)[0]
    assert 22 * 3600 <= end - start <= 26 * 3600
    assert business_day(start, *closing, tz) == day
    assert business_day(end - 1, *closing, tz) == day
