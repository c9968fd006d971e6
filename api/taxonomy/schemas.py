from __future__ import annotations

from pydantic import BaseModel

from api.models import District


class DistrictRead(BaseModel):
    code: District
    name_zh: str
    name_en: str
