from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from api.models import CatalogueChangeKind
from api.pagination import Page
from api.taxonomy.schemas import Term


class EntryStatus(StrEnum):
    valid = "valid"
    expired = "expired"  # past `valid_until` (Asia/Shanghai)
    revoked = "revoked"


class CatalogueSort(StrEnum):
    newest = "newest"
    name = "name"  # pinyin order of the Chinese name where the server has ICU
    relevance = "relevance"  # only with `q`


class CatalogueOrganization(BaseModel):
    id: uuid.UUID
    name_zh: str
    name_en: str | None


class CatalogueItem(BaseModel):
    id: uuid.UUID = Field(description="The award's id.")
    certificate_number: str
    status: EntryStatus
    year: int
    batch_id: uuid.UUID
    batch_sequence: int
    product_name_zh: str
    product_name_en: str | None
    model_spec: str | None
    field: Term
    product_type: Term | None
    level: Term | None
    district: Term | None
    organization: CatalogueOrganization
    issued_at: datetime
    valid_until: date
    revoked_at: datetime | None


class CataloguePage(Page[CatalogueItem]):
    next_cursor: str | None = Field(
        None, description="Cursor of the next page (the same as `next`); null on the last page."
    )


class Indicator(BaseModel):
    indicator: str
    unit: str = ""
    own_value: str = ""
    best_domestic: str = ""
    best_international: str = ""


class CatalogueDetail(CatalogueItem):
    summary_zh: str | None
    summary_en: str | None
    price_yuan: Decimal | None
    indicators: list[Indicator]


class FacetBucket(Term):
    count: int


class YearBucket(BaseModel):
    year: int
    count: int


class Facets(BaseModel):
    total: int = Field(description="Entries matching the filter.")
    fields: list[FacetBucket]
    levels: list[FacetBucket]
    product_types: list[FacetBucket]
    districts: list[FacetBucket]
    years: list[YearBucket]


class CatalogueChangeRead(BaseModel):
    id: int = Field(description="Position in the feed; increases with every change.")
    kind: CatalogueChangeKind
    occurred_at: datetime
    award_id: uuid.UUID
    certificate_number: str | None
    product_name_zh: str | None
    status: EntryStatus | None = Field(description="The entry's status now.")


class ChangeFeed(BaseModel):
    items: list[CatalogueChangeRead]
    next_cursor: str = Field(
        description="Pass as `since` to read on; returned even when no change is left, so that "
        "a poller keeps its place."
    )
    has_more: bool = Field(description="More changes are waiting beyond this page.")
    version: int = Field(description="The catalogue version: the newest change's id.")
