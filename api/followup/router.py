from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/follow-up", tags=["follow-up"])
