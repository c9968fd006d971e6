from __future__ import annotations

from tests.access import Access

ACCESS: dict[str, Access] = {
    "GET /api/v1/catalogue/products": Access.public,
    "GET /api/v1/catalogue/products/{award_id}": Access.public,
    "GET /api/v1/catalogue/facets": Access.public,
    "GET /api/v1/catalogue/export.csv": Access.public,
    "GET /api/v1/catalogue/export.xlsx": Access.public,
    "GET /api/v1/catalogue/export.json": Access.public,
    "GET /api/v1/catalogue/changes": Access.public,
}
