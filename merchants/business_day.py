"""The merchant's business day: which date a payment belongs to, and when each day starts and ends.

A business day is named by its local date in the merchant's time zone (`Europe/Paris` by
default) and runs from that date's *closing time* to the next date's, half-open: with a closing
time of 02:00, the day of 14 March runs from 14 March 02:00:00 (included) to 15 March 02:00:00
(excluded), so a payment at 15 March 01:59:59 belongs to 14 March; a closing time of 00:00 makes
business days calendar days. Precisely, day D starts at the first instant at which the local
clock reads D + closing time or later. This one rule settles both changes of daylight saving
time. When the closing time falls in the spring-forward gap (02:00–02:59 on the last Sunday of
March in Paris), the day starts when the clock jumps, at 03:00 local time. When it falls in the
autumn overlap (02:00–02:59 is lived twice on the last Sunday of October), the day starts at the
first pass, and the repeated hour belongs to the new day. So days are contiguous, never overlap,
and every instant belongs to exactly one, though a day may last 23 or 25 hours. Instants are
Unix seconds (integers) throughout.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from merchants.errors import InvalidBusinessDay

PARIS = "Europe/Paris"
_ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=32)
def zone(tz: str) -> ZoneInfo:
    """The time zone named `tz` (an IANA key such as ``Europe/Paris``)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidBusinessDay(f"unknown time zone {tz!r}", tz=str(tz)) from None


def _check_closing(closing_hour: int, closing_minute: int) -> dt.time:
    for name, value, high in (("hour", closing_hour, 23), ("minute", closing_minute, 59)):
        if type(value) is not int or not 0 <= value <= high:
            raise InvalidBusinessDay(
                f"the closing {name} must be a whole number from 0 to {high}", value=str(value)
            )
    return dt.time(closing_hour, closing_minute)


def _check_instant(instant_utc: int) -> int:
    if type(instant_utc) is not int:
        raise InvalidBusinessDay("an instant is a whole number of Unix seconds")
    return instant_utc


def local_time(instant_utc: int, tz: str = PARIS) -> dt.datetime:
    """The local wall-clock time (naive) of a Unix instant in `tz`."""
    moment = dt.datetime.fromtimestamp(_check_instant(instant_utc), dt.UTC)
    return moment.astimezone(zone(tz)).replace(tzinfo=None)


def local_hour(instant_utc: int, tz: str = PARIS) -> int:
    """The local hour (0–23) of an instant; in the autumn overlap, 02:xx is hour 2 both times."""
    return local_time(instant_utc, tz).hour


def _unix(wall: dt.datetime, tz: ZoneInfo, fold: int) -> int:
    return int(wall.replace(tzinfo=tz, fold=fold).timestamp())


def _first_reaching(wall: dt.datetime, tz: str) -> int:
    """The first instant at which the local clock of `tz` reads `wall` or later."""
    info = zone(tz)
    occurrences = [
        t for t in {_unix(wall, info, 0), _unix(wall, info, 1)} if local_time(t, tz) == wall
    ]
    if occurrences:  # one instant, or two in an overlap: the first pass counts
        return min(occurrences)
    # In a gap the wall time never occurs: the clock reaches it when it jumps. Between the two
    # readings of `wall` (with the offsets before and after the jump) there is exactly one
    # transition, so "the clock reads `wall` or later" is monotonic there: bisect for it.
    low, high = sorted((_unix(wall, info, 0), _unix(wall, info, 1)))
    while low < high:
        middle = (low + high) // 2
        if local_time(middle, tz) >= wall:
            high = middle
        else:
            low = middle + 1
    return low


def day_start(
    date: dt.date, closing_hour: int = 0, closing_minute: int = 0, tz: str = PARIS
) -> int:
    """The first instant (Unix seconds) of business day `date`."""
    closing = _check_closing(closing_hour, closing_minute)
    return _first_reaching(dt.datetime.combine(date, closing), tz)


def day_bounds(
    date: dt.date, closing_hour: int = 0, closing_minute: int = 0, tz: str = PARIS
) -> tuple[int, int]:
    """Business day `date` as the half-open interval ``[start, end)`` of Unix seconds."""
    return (
        day_start(date, closing_hour, closing_minute, tz),
        day_start(date + _ONE_DAY, closing_hour, closing_minute, tz),
    )


def business_day(
    instant_utc: int, closing_hour: int = 0, closing_minute: int = 0, tz: str = PARIS
) -> dt.date:
    """The business day an instant (Unix seconds) belongs to."""
    closing = _check_closing(closing_hour, closing_minute)
    wall = local_time(instant_utc, tz)
    # Right everywhere but in an overlap where the clock goes back across the closing time;
    # the bounds, which follow the module's rule, settle that case.
    date = (wall - dt.timedelta(hours=closing.hour, minutes=closing.minute)).date()
    if instant_utc < day_start(date, closing_hour, closing_minute, tz):
        return date - _ONE_DAY
    if instant_utc >= day_start(date + _ONE_DAY, closing_hour, closing_minute, tz):
        return date + _ONE_DAY
    return date


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from `first` to `last`, both included (empty if `last` is before `first`)."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
