"""Who may call the award and certificate routes (tests/test_permissions.py merges this)."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "GET /api/v1/certificates/keys": Access.public,
    "GET /api/v1/certificates/{number}": Access.public,
    "GET /api/v1/certificates/{number}/pdf": Access.public,
    "GET /api/v1/awards": Access.admin,
    "POST /api/v1/awards/issue": Access.admin,
    "GET /api/v1/awards/{award_id}": Access.admin,
    "POST /api/v1/awards/{award_id}/revoke": Access.admin,
}
