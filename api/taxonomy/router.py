from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response

from api.http_cache import public_response
from api.taxonomy.data import (
    DEFAULT_FIELDS,
    DISTRICT_LABELS,
    FIELD_LABELS,
    LEVEL_LABELS,
    PRODUCT_TYPE_LABELS,
    REGULATED_FIELDS,
)
from api.taxonomy.schemas import DistrictRead, Taxonomy, Term

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"])


def _terms(labels: Mapping[Any, tuple[str, str]]) -> list[Term]:
    return [Term(code=str(code), name_zh=zh, name_en=en) for code, (zh, en) in labels.items()]


_DISTRICTS = [
    DistrictRead(code=code, name_zh=zh, name_en=en) for code, (zh, en) in DISTRICT_LABELS.items()
]
_TAXONOMY = Taxonomy(
    fields=_terms(FIELD_LABELS),
    default_fields=DEFAULT_FIELDS,
    regulated_fields=sorted(REGULATED_FIELDS),
    product_types=_terms(PRODUCT_TYPE_LABELS),
    technical_levels=_terms(LEVEL_LABELS),
    districts=_terms(DISTRICT_LABELS),
)


@router.get("", response_model=Taxonomy, summary="Every bilingual vocabulary (public)")
async def read_taxonomy(request: Request) -> Response:
    return public_response(request, _TAXONOMY)


@router.get("/districts", response_model=list[DistrictRead], summary="Beijing's 16 districts")
async def list_districts(request: Request) -> Response:
    """Public."""
    return public_response(request, list(_DISTRICTS))
