"""Optimistic concurrency for edits: a versioned object's ETag, checked against If-Match."""

from __future__ import annotations

import uuid

from api.errors import PreconditionFailed, PreconditionRequired


def version_etag(object_id: uuid.UUID, version: int) -> str:
    return f'"{object_id}-v{version}"'


def check_if_match(current: str, if_match: str | None, *, what: str, required: bool = True) -> None:
    """Refuses an edit made to another version than `current` (412), or made blind (428) where
    an If-Match is required."""
    if not if_match:
        if required:
            raise PreconditionRequired(f"Send If-Match with the ETag of the {what} you edited.")
        return
    presented = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if current not in presented and "*" not in presented:
        raise PreconditionFailed(
            f"The {what} was changed elsewhere; reload it and apply your edits again.",
            extra={"current_etag": current},
        )
