"""Who may call the review, results and deliberation routes. Expert routes are further scoped to
the caller's own active assignment (404 otherwise) and the batch's attestation (403)."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "GET /api/v1/expert/assignments/{assignment_id}/review": Access.expert,
    "PUT /api/v1/expert/assignments/{assignment_id}/review": Access.expert,
    "POST /api/v1/expert/assignments/{assignment_id}/review/submit": Access.expert,
    "GET /api/v1/batches/{batch_id}/reviews": Access.admin,
    "POST /api/v1/reviews/{review_id}/reopen": Access.admin,
    "POST /api/v1/assignments/{assignment_id}/waive": Access.admin,
    "GET /api/v1/batches/{batch_id}/results": Access.admin,
    "GET /api/v1/batches/{batch_id}/results.csv": Access.admin,
    "GET /api/v1/batches/{batch_id}/results.xlsx": Access.admin,
    "POST /api/v1/applications/{application_id}/deliberation/shortlist": Access.admin,
    "POST /api/v1/applications/{application_id}/deliberation/not-select": Access.admin,
}
