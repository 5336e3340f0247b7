"""The ledger's time: RFC 3339 UTC stamps in records, and the civil date of a moment.

Below `ledger.records` and the record types, which all read times, so that neither imports
the other for them (`ledger.records` re-exports these for the other packages).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import time
from zoneinfo import ZoneInfo

from ledger.errors import MalformedRecord

LEDGER_ZONE = ZoneInfo("Europe/Paris")  # the currency's civil time (a cashier's day)


@functools.lru_cache(maxsize=4096)
def parse_time(value: str) -> int:
    """Unix seconds of an already-validated `YYYY-MM-DDTHH:MM:SSZ` string."""
    try:
        year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
        hour, minute, second = int(value[11:13]), int(value[14:16]), int(value[17:19])
        if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
            raise ValueError
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError
    except ValueError:
        raise MalformedRecord(f"not a valid time: {value!r}") from None
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def format_time(unix: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def ledger_date(unix: int) -> str:
    """The `YYYY-MM-DD` date, in the ledger's time zone, of a moment."""
    return datetime.datetime.fromtimestamp(unix, LEDGER_ZONE).date().isoformat()


def date_bounds(date: str) -> tuple[int, int]:
    """The first moment of `date` in the ledger's time zone and that of the day after."""
    day = datetime.date.fromisoformat(date)
    start, end = (
        datetime.datetime.combine(d, datetime.time(), LEDGER_ZONE)
        for d in (day, day + datetime.timedelta(days=1))
    )
    return int(start.timestamp()), int(end.timestamp())
