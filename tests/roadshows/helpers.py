"""Requests the roadshow tests repeat: an event on 22 October 2021, 14:00–17:30 Beijing time,
and slots by clock time on that afternoon."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

BEIJING = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/roadshows"
DAY = "2021-10-22"


def at(hhmm: str) -> str:
    return f"{DAY}T{hhmm}:00+08:00"


EVENT: dict[str, Any] = {
    "title_zh": "2021首台(套)重大技术装备及项目授牌路演",
    "title_en": "2021 First (Set) Major Technical Equipment Awarding and Project Roadshow",
    "starts_at": at("14:00"),
    "ends_at": at("17:30"),
    "venue_zh": "中关村国家自主创新示范区展示中心",
    "venue_en": "Zhongguancun Exhibition Center",
    "description_zh": "2021年全国大众创业万众创新活动周北京会场活动之一。",
}


async def create(admin: httpx.AsyncClient, **overrides: Any) -> tuple[dict[str, Any], str]:
    """A draft roadshow: its body and ETag."""
    response = await admin.post(BASE, json={**EVENT, **overrides})
    assert response.status_code == 201, response.text
    return response.json(), response.headers["ETag"]


def slot_body(org_id: object, start: str, end: str, **overrides: Any) -> dict[str, Any]:
    return {
        "starts_at": at(start),
        "ends_at": at(end),
        "organization_id": str(org_id),
        "talk_title_zh": f"{start} 的报告",
        "talk_title_en": f"Talk at {start}",
        "presenter": "张三",
        **overrides,
    }


async def add_slot(
    admin: httpx.AsyncClient,
    roadshow_id: str,
    etag: str,
    org_id: object,
    start: str,
    end: str,
    **overrides: Any,
) -> httpx.Response:
    return await admin.post(
        f"{BASE}/{roadshow_id}/slots",
        json=slot_body(org_id, start, end, **overrides),
        headers={"If-Match": etag},
    )


async def add_ok(
    admin: httpx.AsyncClient,
    roadshow_id: str,
    etag: str,
    org_id: object,
    start: str,
    end: str,
    **overrides: Any,
) -> tuple[dict[str, Any], str]:
    response = await add_slot(admin, roadshow_id, etag, org_id, start, end, **overrides)
    assert response.status_code == 201, response.text
    return response.json(), response.headers["ETag"]


def hhmm(value: str) -> str:
    return f"{datetime.fromisoformat(value).astimezone(BEIJING):%H:%M}"


def times(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(talk_title_en, start, end) of the agenda in order, times as HH:MM Beijing time."""
    return [(s["talk_title_en"], hhmm(s["starts_at"]), hhmm(s["ends_at"])) for s in body["slots"]]
