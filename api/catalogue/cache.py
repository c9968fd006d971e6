"""Per-process caches of the public catalogue: the catalogue version, reused for a short while,
and whole responses, keyed by their ETag.

An ETag already names everything a response depends on — the catalogue version (the newest
change id, which moves on every award, revocation or update), the query and Beijing's date —
so a cached body can never be served for another state of the catalogue: a change makes new
keys, and the old entries simply age out of the LRU.

What can lag is the version itself. A process reads it at most once per
`catalogue_version_ttl_ms` (1 s by default) and forgets it as soon as it indexes a change
itself, so a change made through another process (or replica) shows on this one's pages at most
that long after its commit; 0 reads the version on every request.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.config import get_settings


class VersionClock:
    """The catalogue version as last read, and when."""

    def __init__(self) -> None:
        self.value: int | None = None
        self.read_at = 0.0

    def fresh(self) -> int | None:
        ttl_s = get_settings().catalogue_version_ttl_ms / 1000
        if self.value is None or time.monotonic() - self.read_at >= ttl_s:
            return None
        return self.value

    def store(self, value: int, read_at: float) -> None:
        # A slower reader that started earlier must not put back an older version.
        if self.value is None or read_at >= self.read_at:
            self.value, self.read_at = value, read_at

    def forget(self) -> None:
        self.value = None


# A body and the cursor of the next page, if any (its Link header names the request's own URL).
Cached = tuple[bytes, str | None]


class ResponseCache:
    """A bounded LRU of response bodies by ETag."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, Cached] = OrderedDict()

    @staticmethod
    def capacity() -> int:
        return get_settings().catalogue_cache_entries

    def get(self, etag: str) -> Cached | None:
        found = self._entries.get(etag)
        if found is not None:
            self._entries.move_to_end(etag)
        return found

    def put(self, etag: str, body: bytes, next_cursor: str | None = None) -> None:
        capacity = self.capacity()
        if capacity <= 0:
            return
        self._entries[etag] = (body, next_cursor)
        self._entries.move_to_end(etag)
        while len(self._entries) > capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True, slots=True)
class Entry:
    version: int
    day: date
    etag: str
    body: bytes
    next_cursor: str | None
    route: Any  # the APIRoute, for the metrics' route label


class RawCache:
    """A bounded LRU of whole answers by (path, query string), for api/catalogue/fastpath.py."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()

    def get(self, key: tuple[str, bytes]) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, bytes], entry: Entry) -> None:
        capacity = ResponseCache.capacity()
        if capacity <= 0:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


version_clock = VersionClock()
responses = ResponseCache()
answers = RawCache()


async def current_version(read: Callable[[], Awaitable[int]]) -> tuple[int, bool]:
    """The catalogue version and whether it was read now (`read` sets the statement timeout of
    the transaction as well; a reused version did not)."""
    cached = version_clock.fresh()
    if cached is not None:
        return cached, False
    started = time.monotonic()
    value = await read()
    version_clock.store(value, started)
    return value, True


def forget_version() -> None:
    """This process just indexed a change: its next page reads the version afresh."""
    version_clock.forget()


def clear() -> None:
    version_clock.forget()
    responses.clear()
    answers.clear()
