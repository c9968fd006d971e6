"""Who may call the publicity routes (tests/test_permissions.py merges this)."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "GET /api/v1/publicity": Access.public,
    "GET /api/v1/publicity/{batch_id}": Access.public,
    "POST /api/v1/publicity/{batch_id}/objections": Access.public,
    "GET /api/v1/objections": Access.admin,
    "GET /api/v1/objections/{objection_id}": Access.admin,
    "GET /api/v1/objections/{objection_id}/evidence": Access.admin,
    "POST /api/v1/objections/{objection_id}/start-review": Access.admin,
    "POST /api/v1/objections/{objection_id}/uphold": Access.admin,
    "POST /api/v1/objections/{objection_id}/dismiss": Access.admin,
}
