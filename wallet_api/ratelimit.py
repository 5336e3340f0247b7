"""Rate limits on authentication: a few challenges and tokens a minute per key and per client.

In memory, per worker process: it slows down guessing and flooding, it is not an account
lockout. Behind a reverse proxy, set the proxy to pass the client address (uvicorn's
`--proxy-headers`).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from wallet_api.errors import RateLimited


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def full(self, key: str) -> bool:
        """Whether one more hit of `key` would be refused (without counting one)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.get(key)
            return hits is not None and sum(t > now - self.seconds for t in hits) >= self.limit

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                raise RateLimited(f"at most {self.limit} attempts in {self.seconds:.0f} s")
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle clients rather than grow for ever
                for idle in [k for k, v in self._hits.items() if not v]:
                    del self._hits[idle]


class AuthLimits:
    def __init__(self, per_key: int = 10, per_client: int = 30, seconds: float = 60) -> None:
        self.per_key = SlidingWindow(per_key, seconds)
        self.per_client = SlidingWindow(per_client, seconds)

    def check(self, *, kid: str, client: str) -> None:
        self.per_client.hit(client)
        self.per_key.hit(kid)


class PayeeLimits:
    """Lookups of a payee's name by one device: enough to pay, too few to list the members."""

    def __init__(self, per_minute: int = 10, per_day: int = 100) -> None:
        self.per_minute = SlidingWindow(per_minute, 60)
        self.per_day = SlidingWindow(per_day, 86_400)

    def check(self, *, kid: str) -> None:
        self.per_minute.hit(kid)
        self.per_day.hit(kid)


class CodeLimits:
    """Refused enrolment or recovery codes from one client address: a few a minute and a day,
    so that guessing a code is hopeless even before its 60 or 100 bits; codes that work are
    not counted (an office enrolling a queue of phones is never slowed)."""

    def __init__(self, per_minute: int = 10, per_day: int = 50) -> None:
        self.windows = (SlidingWindow(per_minute, 60), SlidingWindow(per_day, 86_400))

    def check(self, client: str) -> None:
        for window in self.windows:
            if window.full(client):
                raise RateLimited(f"at most {window.limit} refused codes in {window.seconds:.0f} s")

    def refused(self, client: str) -> None:
        for window in self.windows:
            window.hit(client)
