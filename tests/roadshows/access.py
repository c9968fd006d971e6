"""Who may call the roadshow routes (tests/test_permissions.py merges this)."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    # drafts answer 404 to everyone but admins (tests/roadshows/test_router.py)
    "GET /api/v1/roadshows": Access.public,
    "GET /api/v1/roadshows/{roadshow_id}": Access.public,
    "GET /api/v1/roadshows/{roadshow_id}/calendar.ics": Access.public,
    "POST /api/v1/roadshows": Access.admin,
    "PATCH /api/v1/roadshows/{roadshow_id}": Access.admin,
    "DELETE /api/v1/roadshows/{roadshow_id}": Access.admin,
    "POST /api/v1/roadshows/{roadshow_id}/publish": Access.admin,
    "POST /api/v1/roadshows/{roadshow_id}/unpublish": Access.admin,
    "POST /api/v1/roadshows/{roadshow_id}/slots": Access.admin,
    "PATCH /api/v1/roadshows/{roadshow_id}/slots/{slot_id}": Access.admin,
    "DELETE /api/v1/roadshows/{roadshow_id}/slots/{slot_id}": Access.admin,
    "POST /api/v1/roadshows/{roadshow_id}/slots/{slot_id}/move": Access.admin,
}
