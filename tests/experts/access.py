"""Who may call the expert routes (tests/test_permissions.py merges this)."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "GET /api/v1/experts": Access.admin,
    "GET /api/v1/experts/me": Access.expert,
    "POST /api/v1/experts/me/conflicts": Access.expert,
    "GET /api/v1/experts/{user_id}": Access.admin,
    "PUT /api/v1/experts/{user_id}": Access.admin,
    "GET /api/v1/experts/{user_id}/conflicts": Access.admin,
    "POST /api/v1/experts/{user_id}/conflicts": Access.admin,
    "DELETE /api/v1/experts/{user_id}/conflicts/{conflict_id}": Access.admin,
    "GET /api/v1/batches/{batch_id}/experts": Access.admin,
    "PUT /api/v1/batches/{batch_id}/experts/{user_id}/availability": Access.admin,
    "GET /api/v1/batches/{batch_id}/review-settings": Access.admin,
    "PUT /api/v1/batches/{batch_id}/review-settings": Access.admin,
    # admins, and experts who signed the batch's statement (tests/experts/test_rubric.py)
    "GET /api/v1/batches/{batch_id}/rubric": Access.login,
    "PUT /api/v1/batches/{batch_id}/rubric": Access.admin,
    "GET /api/v1/batches/{batch_id}/attestation": Access.expert,
    "POST /api/v1/batches/{batch_id}/attestation": Access.expert,
    "POST /api/v1/batches/{batch_id}/assignment-draws": Access.admin,
    "GET /api/v1/batches/{batch_id}/assignment-draws": Access.admin,
    "GET /api/v1/batches/{batch_id}/assignment-draws/{draw_id}": Access.admin,
    "GET /api/v1/batches/{batch_id}/coverage": Access.admin,
    "GET /api/v1/assignments": Access.admin,
    "POST /api/v1/assignments": Access.admin,
    "POST /api/v1/assignments/{assignment_id}/remove": Access.admin,
    "GET /api/v1/expert/assignments": Access.expert,
    "POST /api/v1/expert/assignments/{assignment_id}/declare-conflict": Access.expert,
}
