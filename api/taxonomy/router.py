from __future__ import annotations

from fastapi import APIRouter, Response

from api.http_cache import PUBLIC_CACHE
from api.taxonomy.data import DISTRICT_LABELS
from api.taxonomy.schemas import DistrictRead

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"])

_DISTRICTS = [
    DistrictRead(code=code, name_zh=zh, name_en=en) for code, (zh, en) in DISTRICT_LABELS.items()
]


@router.get("/districts", response_model=list[DistrictRead], summary="Beijing's 16 districts")
async def list_districts(response: Response) -> list[DistrictRead]:
    """Public."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return _DISTRICTS
