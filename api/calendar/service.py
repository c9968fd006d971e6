"""Working days. A Monday–Friday stand-in until the official holiday calendar arrives."""

from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (a return on Friday with 1 day is due Monday)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    current, remaining = start, days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
