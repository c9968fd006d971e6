"""Who may call the webhook routes (tests/test_permissions.py merges this)."""

from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "POST /api/v1/webhooks/subscriptions": Access.agency,
    "GET /api/v1/webhooks/subscriptions": Access.agency,
    "GET /api/v1/webhooks/subscriptions/{subscription_id}": Access.agency,
    "PATCH /api/v1/webhooks/subscriptions/{subscription_id}": Access.agency,
    "DELETE /api/v1/webhooks/subscriptions/{subscription_id}": Access.agency,
    "POST /api/v1/webhooks/subscriptions/{subscription_id}/rotate-secret": Access.agency,
    "GET /api/v1/webhooks/subscriptions/{subscription_id}/deliveries": Access.agency,
    "POST /api/v1/webhooks/deliveries/{delivery_id}/redeliver": Access.agency,
    "GET /api/v1/admin/webhooks/subscriptions": Access.admin,
    "POST /api/v1/admin/webhooks/subscriptions/{subscription_id}/enable": Access.admin,
    "GET /api/v1/admin/webhooks/deliveries": Access.admin,
    "GET /api/v1/admin/webhooks/deliveries/{delivery_id}": Access.admin,
    "POST /api/v1/admin/webhooks/deliveries/{delivery_id}/redeliver": Access.admin,
}
