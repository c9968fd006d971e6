"""Who may call a route, as the permission matrix (tests/test_permissions.py) checks it."""

from __future__ import annotations

from enum import Enum

from api.models import Role


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
