"""An awarded enterprise with its applicant, an admin, and request bodies for follow-up tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Award, Organization, Role, User
from tests.catalogue.helpers import make_entry
from tests.factories.identity import login, make_org, make_user

BASE = "/api/v1/follow-up"


@dataclass
class Setting:
    org: Organization
    award: Award
    applicant: User
    admin: User


async def awarded(db: AsyncSession) -> Setting:
    org = await make_org(db)
    award = await make_entry(db, org=org)
    applicant = await make_user(db, Role.applicant, org=org)
    admin = await make_user(db, Role.admin)
    return Setting(org, award, applicant, admin)


async def as_user(client: httpx.AsyncClient, user: User) -> None:
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    response = await login(client, user.email)
    assert response.status_code == 200, response.text


def project(**overrides: Any) -> dict[str, Any]:
    return {
        "user_enterprise": "北京某集成电路制造有限公司",
        "site": "北京经济技术开发区",
        "stage": "in_demonstration",
        "starts_on": "2024-03-01",
        "ends_on": "2025-02-28",
        "expected_investment_yuan": "3500000.00",
        "notes": "首台示范",
        "public": True,
        **overrides,
    }


def intention(**overrides: Any) -> dict[str, Any]:
    return {
        "buyer": "某晶圆厂",
        "amount_yuan": "12345678.90",
        "intended_on": "2024-05-20",
        "status": "intent",
        "source": "2024 路演",
        **overrides,
    }


def policy(**overrides: Any) -> dict[str, Any]:
    return {
        "insurer": "中国人民财产保险股份有限公司北京市分公司",
        "policy_number": "PICC-2024-0001",
        "premium_yuan": "75000.00",
        "premium_rate": "0.025",
        "subsidy_share": "0.80",
        "starts_on": "2024-03-01",
        "ends_on": "2027-03-01",
        **overrides,
    }


async def create(
    client: httpx.AsyncClient, award: Award, kind: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"{BASE}/awards/{award.id}/{kind}", json=body)


def error_codes(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json().get("errors", [])}
