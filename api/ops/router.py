"""Liveness, readiness and metrics (public, outside the versioned API)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import text

from api import metrics
from api.db import database
from api.errors import ServiceUnavailable, problem_responses

router = APIRouter(tags=["ops"])


class Status(BaseModel):
    status: str


@router.get("/healthz", response_model=Status, summary="The process is alive (public)")
async def healthz() -> Status:
    return Status(status="ok")


@router.get(
    "/readyz",
    response_model=Status,
    responses=problem_responses(503),
    summary="The database is reachable (public)",
)
async def readyz() -> Status:
    try:
        async with asyncio.timeout(2), database.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable(
            "The database is unreachable.", headers={"Retry-After": "5"}
        ) from exc
    return Status(status="ok")


@router.get("/metrics", response_class=Response, summary="Prometheus metrics (public)")
async def prometheus_metrics() -> Response:
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
