from __future__ import annotations

from tests.access import Access

ACCESS = {
    "GET /api/v1/calendar/add-working-days": Access.public,
    "GET /api/v1/calendar/years": Access.public,
    "GET /api/v1/calendar/years/{year}": Access.public,
    "PUT /api/v1/calendar/years/{year}": Access.admin,
    "DELETE /api/v1/calendar/years/{year}": Access.admin,
}
