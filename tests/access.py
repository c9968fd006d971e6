"""Who may call a route, as the permission matrix (tests/test_permissions.py) checks it."""

from __future__ import annotations

from enum import Enum

from api.models import Role, Scope


class Access(Enum):
    public = "public"
    login = "login"
    admin = "admin"
    applicant = "applicant"
    district_officer = "district_officer"
    expert = "expert"
    applicant_or_admin = "applicant_or_admin"
    # Agency clients only, with a bearer token: every session caller, anonymous included, 401.
    agency = "agency"


# Routes open to some roles only: every other role gets 403.
ROLE_ACCESS: dict[Access, frozenset[Role]] = {
    Access.admin: frozenset({Role.admin}),
    Access.applicant: frozenset({Role.applicant}),
    Access.district_officer: frozenset({Role.district_officer}),
    Access.expert: frozenset({Role.expert}),
    Access.applicant_or_admin: frozenset({Role.applicant, Role.admin}),
}


# Public routes that ask a caller who sends an agency bearer token for a scope (a token without it
# gets 403); callers without a token are not asked.
BEARER_SCOPES: dict[str, Scope] = {
    "GET /api/v1/catalogue/products": Scope.catalogue_read,
    "GET /api/v1/catalogue/products/{award_id}": Scope.catalogue_read,
    "GET /api/v1/catalogue/facets": Scope.catalogue_read,
    "GET /api/v1/catalogue/export.csv": Scope.catalogue_read,
    "GET /api/v1/catalogue/export.xlsx": Scope.catalogue_read,
    "GET /api/v1/catalogue/export.json": Scope.catalogue_read,
    "GET /api/v1/catalogue/changes": Scope.catalogue_read,
    "GET /api/v1/statistics": Scope.statistics_read,
}
