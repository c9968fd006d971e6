from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "POST /api/v1/oauth/token": Access.public,
    "GET /api/v1/agency/clients": Access.admin,
    "POST /api/v1/agency/clients": Access.admin,
    "GET /api/v1/agency/clients/{client_id}": Access.admin,
    "PATCH /api/v1/agency/clients/{client_id}": Access.admin,
    "POST /api/v1/agency/clients/{client_id}/rotate-secret": Access.admin,
    "POST /api/v1/agency/clients/{client_id}/revoke": Access.admin,
    "GET /api/v1/agency/applications": Access.agency,
    "GET /api/v1/agency/applications/{application_id}": Access.agency,
    "GET /api/v1/agency/awards": Access.agency,
    "GET /api/v1/agency/awards/{award_id}": Access.agency,
}
