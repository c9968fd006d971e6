"""Who may call the post-award follow-up routes (tests/test_permissions.py merges this).

`login` routes are scoped per object (tests/followup/test_access.py): admins and the award's own
applicants pass, another enterprise's applicant gets 404 and other staff 403 on an existing
record; the award list shows other staff nothing."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "GET /api/v1/follow-up/awards": Access.applicant_or_admin,
    "GET /api/v1/follow-up/awards/{award_id}": Access.applicant_or_admin,
    "POST /api/v1/follow-up/awards/{award_id}/projects": Access.applicant,
    "PATCH /api/v1/follow-up/projects/{record_id}": Access.applicant_or_admin,
    "DELETE /api/v1/follow-up/projects/{record_id}": Access.applicant,
    "POST /api/v1/follow-up/awards/{award_id}/intentions": Access.applicant,
    "PATCH /api/v1/follow-up/intentions/{record_id}": Access.applicant_or_admin,
    "DELETE /api/v1/follow-up/intentions/{record_id}": Access.applicant,
    "POST /api/v1/follow-up/awards/{award_id}/insurance-policies": Access.applicant,
    "PATCH /api/v1/follow-up/insurance-policies/{record_id}": Access.applicant_or_admin,
    "DELETE /api/v1/follow-up/insurance-policies/{record_id}": Access.applicant,
    "POST /api/v1/follow-up/{kind}/{record_id}/verify": Access.admin,
    "POST /api/v1/follow-up/{kind}/{record_id}/unverify": Access.admin,
    "GET /api/v1/follow-up/queue": Access.admin,
    "GET /api/v1/follow-up/public/projects": Access.public,
}
