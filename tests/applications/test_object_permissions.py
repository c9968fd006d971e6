"""Object-level permission matrix for one submitted application: every caller kind × every
application route. Denied reads answer exactly like a missing application."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.models import District, OrganizationKind, Role
from tests.applications.helpers import attach_required, create_draft, make_open_batch
from tests.calendar.helpers import ensure_years
from tests.factories.identity import PASSWORD, login, make_org, make_user

CALLERS = [
    "anonymous",
    "own_applicant",
    "other_applicant",
    "own_district",
    "other_district",
    "expert",
    "agency",
    "admin",
]
READERS = {"own_applicant", "own_district", "agency", "admin"}

# route → callers allowed to act (others: 401 anonymous, 403 wrong role, 404 right role but
# not theirs); actions run on a *submitted* application, so an allowed caller may still get
# 409 for the state — what matters here is that the gate let them through.
ACTIONS: dict[str, tuple[dict | None, set[str]]] = {
    "withdraw": (None, {"own_applicant"}),
    "district/return": ({"reason": "请补充材料说明"}, {"own_district"}),
    "formal/accept": ({}, {"admin"}),
}


@pytest.fixture
async def world(db: AsyncSession, app: FastAPI):  # type: ignore[no-untyped-def]
    await ensure_years(db, today().year, today().year + 1)  # return deadlines near New Year
    enterprise = await make_org(db, district=District.haidian)
    users = {
        "own_applicant": await make_user(db, Role.applicant, org=enterprise),
        "other_applicant": await make_user(db, Role.applicant, district=District.haidian),
        "own_district": await make_user(
            db,
            Role.district_officer,
            org=await make_org(
                db, kind=OrganizationKind.district_office, district=District.haidian
            ),
        ),
        "other_district": await make_user(
            db,
            Role.district_officer,
            org=await make_org(db, kind=OrganizationKind.district_office, district=District.miyun),
        ),
        "expert": await make_user(db, Role.expert),
        "agency": await make_user(db, Role.agency_officer),
        "admin": await make_user(db, Role.admin),
    }
    clients: dict[str, httpx.AsyncClient] = {}
    for port, name in enumerate(CALLERS, start=53000):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", port))
        clients[name] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        if name in users:
            assert (await login(clients[name], users[name].email, PASSWORD)).status_code == 200
    batch = await make_open_batch(db)
    draft = (await create_draft(clients["own_applicant"], batch)).json()
    await attach_required(db, draft["id"])
    submitted = await clients["own_applicant"].post(f"/api/v1/applications/{draft['id']}/submit")
    assert submitted.status_code == 200
    yield clients, draft["id"]
    for client in clients.values():
        await client.aclose()


@pytest.mark.parametrize("route", ["", "/eligibility", "/timeline"])
async def test_reads(world, route: str) -> None:  # type: ignore[no-untyped-def]
    clients, app_id = world
    for caller in CALLERS:
        response = await clients[caller].get(f"/api/v1/applications/{app_id}{route}")
        expected = 401 if caller == "anonymous" else 200 if caller in READERS else 404
        assert response.status_code == expected, (caller, route, response.text)
        if expected == 404:
            assert response.json()["detail"] == "No such application."
        listed = await clients[caller].get("/api/v1/applications")
        if caller != "anonymous":
            ids = [a["id"] for a in listed.json()["items"]]
            assert (app_id in ids) == (caller in READERS), caller


@pytest.mark.parametrize("path", list(ACTIONS))
async def test_actions(world, path: str) -> None:  # type: ignore[no-untyped-def]
    clients, app_id = world
    body, allowed = ACTIONS[path]
    role_of = {
        "own_applicant": "applicant",
        "other_applicant": "applicant",
        "own_district": "district",
        "other_district": "district",
        "admin": "admin",
    }
    gate_role = {"withdraw": "applicant", "district/return": "district", "formal/accept": "admin"}[
        path
    ]
    # the allowed caller goes last: its action changes the state
    for caller in sorted(CALLERS, key=lambda c: c in allowed):
        response = await clients[caller].request(
            "POST", f"/api/v1/applications/{app_id}/{path}", json=body
        )
        if caller == "anonymous":
            expected = {401}
        elif caller in allowed:
            expected = {200, 409}
        elif role_of.get(caller) == gate_role:
            expected = {404}
        else:
            expected = {403}
        assert response.status_code in expected, (caller, path, response.text)


async def test_patch_only_by_owner(world) -> None:  # type: ignore[no-untyped-def]
    clients, app_id = world
    url = f"/api/v1/applications/{app_id}"
    etag = (await clients["own_applicant"].get(url)).headers["etag"]
    other = await clients["other_applicant"].patch(
        url, json={"summary_zh": "x"}, headers={"If-Match": etag}
    )
    assert other.status_code == 404
    own = await clients["own_applicant"].patch(
        url, json={"summary_zh": "x"}, headers={"If-Match": etag}
    )
    assert own.status_code == 409  # submitted: no longer editable
    assert own.json()["current_state"] == "submitted"
