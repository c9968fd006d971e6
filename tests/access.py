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


# Routes open to exactly one role: every other role gets 403.
ROLE_ACCESS = {
    Access.admin: Role.admin,
    Access.applicant: Role.applicant,
    Access.district_officer: Role.district_officer,
    Access.expert: Role.expert,
}
