"""Who may call the notification routes (tests/test_permissions.py merges this)."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "GET /api/v1/notifications": Access.login,
    "GET /api/v1/notifications/unread-count": Access.login,
    "POST /api/v1/notifications/read-all": Access.login,
    "POST /api/v1/notifications/{notification_id}/read": Access.login,
    "GET /api/v1/notifications/preferences": Access.login,
    "PUT /api/v1/notifications/preferences": Access.login,
    "GET /api/v1/admin/mail": Access.admin,
    "GET /api/v1/admin/mail/{mail_id}": Access.admin,
}
