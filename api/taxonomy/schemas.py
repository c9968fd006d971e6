from __future__ import annotations

from pydantic import BaseModel

from api.models import District


class DistrictRead(BaseModel):
    code: District
    name_zh: str
    name_en: str


class Term(BaseModel):
    code: str
    name_zh: str
    name_en: str


class Taxonomy(BaseModel):
    fields: list[Term]
    default_fields: list[str]
    regulated_fields: list[str]
    product_types: list[Term]
    technical_levels: list[Term]
    districts: list[Term]
