"""Building blocks of list filters shared by the domains."""

from __future__ import annotations


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, its own `%`, `_` and `\\` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
