"""Every mutating route (POST, PUT, PATCH, DELETE) writes an audit record — shown by calling it.

Each route either has a scenario here, which sets up what the call needs, makes it over HTTP and
must find, among the audit records carrying the response's request id, the action it names (by
the caller it names, from the caller's address); or it is in EXEMPT with the reason it writes
none. A new mutating route with neither fails `test_every_mutating_route_is_accounted_for`.

The calls run on the committing app: agency clients' bearer checks use a session of their own,
which the rolled-back test transaction cannot nest, and the audit record must survive a real
commit. Everything a scenario needs it makes itself, so the scenarios do not depend on each
other or on their order.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.applications.service import today
from api.config import get_settings
from api.events import service as events
from api.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    BatchStatus,
    CalendarSource,
    CalendarYear,
    CheckStep,
    DeliveryStatus,
    District,
    ExpertConflict,
    Notification,
    Objection,
    ObjectionStatus,
    Organization,
    OrganizationKind,
    Role,
    Scope,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from api.storage import LocalStorage, get_storage
from tests.agency.factories import basic, bearer, make_client, make_token
from tests.applications.helpers import attach_required, create_draft, make_open_batch
from tests.auth.test_router import registration
from tests.awards.helpers import grant
from tests.catalogue.helpers import make_entry
from tests.experts.test_rubric import CRITERIA
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import make_assignment, make_expert
from tests.factories.files import minimal_pdf
from tests.factories.identity import PASSWORD, login, make_org, make_password_reset, make_user
from tests.followup.helpers import intention, policy, project
from tests.publicity.helpers import file_objection, know_calendar_years, make_publicity
from tests.review.helpers import (
    criteria_scores,
    make_panel,
    make_review_batch,
    save,
    score_and_submit,
)
from tests.roadshows.helpers import EVENT, slot_body

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANY = {"If-Match": "*"}  # "whatever version is current": these scenarios edit without racing
REASON = {"reason": "审计覆盖测试的理由说明"}

# Routes that change state but write no audit record, and why that is right.
EXEMPT: dict[str, str] = {
    "POST /api/v1/oauth/token": (
        "an agency client's short-lived bearer token (15 minutes, renewed all day): the token "
        "row itself records client, scopes and expiry; an audit entry per renewal would bury "
        "the decisions the log is for"
    ),
    "POST /api/v1/notifications/read-all": (
        "marks the caller's own inbox read: personal reading state, no case, person or "
        "setting of anyone else changes"
    ),
    "POST /api/v1/notifications/{notification_id}/read": (
        "marks one of the caller's own notifications read: personal reading state"
    ),
    "PUT /api/v1/notifications/preferences": (
        "the caller's own choice of channels for their notifications; required notices go out "
        "whatever it says"
    ),
}


# --- the world the scenarios share ----------------------------------------------------------


@dataclass
class World:
    app: FastAPI
    sessions: async_sessionmaker[AsyncSession]
    users: dict[str, User]  # admin, applicant, district, expert
    clients: dict[str, httpx.AsyncClient]
    agency: dict[str, str]  # bearer headers of an agency client with every scope
    agency_client_id: uuid.UUID
    enterprise_id: uuid.UUID  # the applicant's organisation, in Haidian
    addresses: itertools.count[int]

    @property
    def admin(self) -> httpx.AsyncClient:
        return self.clients["admin"]

    @property
    def applicant(self) -> httpx.AsyncClient:
        return self.clients["applicant"]

    @property
    def district(self) -> httpx.AsyncClient:
        return self.clients["district"]

    @property
    def expert(self) -> httpx.AsyncClient:
        return self.clients["expert"]

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends."""
        async with self.sessions() as session, session.begin():
            yield session

    async def enterprise(self, db: AsyncSession) -> Organization:
        org = await db.get(Organization, self.enterprise_id)
        assert org is not None
        return org

    def client(self) -> httpx.AsyncClient:
        """A client of its own (anonymous until it logs in), from an address of its own."""
        n = next(self.addresses)
        address = f"10.77.{n // 250}.{n % 250 + 1}"
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000 + n % 20000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def logged_in(self, user: User) -> httpx.AsyncClient:
        client = self.client()
        response = await login(client, user.email)
        assert response.status_code == 200, response.text
        return client


@pytest.fixture(scope="module")
async def world(
    committing_app: tuple[FastAPI, async_sessionmaker[AsyncSession]],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    app, sessions = committing_app
    root = tmp_path_factory.mktemp("audited")
    app.dependency_overrides[get_storage] = lambda: LocalStorage(root / "files")
    settings = get_settings()
    key_dir = settings.signing_key_dir
    settings.signing_key_dir = root / "keys"  # certificates are signed with a key of its own
    async with sessions() as db, db.begin():
        await know_calendar_years(db)
        enterprise = await make_org(db, district=District.haidian)
        users = {
            "admin": await make_user(db, Role.admin),
            "applicant": await make_user(db, Role.applicant, org=enterprise),
            "district": await make_user(db, Role.district_officer, district=District.haidian),
            "expert": await make_expert(db),
        }
        agency_client, _ = await make_client(db, scopes=list(Scope))
        agency = bearer(await make_token(db, agency_client))
    world = World(
        app, sessions, users, {}, agency, agency_client.id, enterprise.id, itertools.count(1)
    )
    for role, user in users.items():
        world.clients[role] = await world.logged_in(user)
    yield world
    for client in world.clients.values():
        await client.aclose()
    settings.signing_key_dir = key_dir
    app.dependency_overrides.pop(get_storage, None)


# --- scenarios --------------------------------------------------------------------------------

Call = Callable[[World], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Scenario:
    action: str
    actor: str | None  # a key of World.users, or None when not checked (new users, machines)
    call: Call


SCENARIOS: dict[str, Scenario] = {}


def audited(route: str, action: str, actor: str | None = "admin") -> Callable[[Call], Call]:
    def register(call: Call) -> Call:
        assert route not in SCENARIOS, f"two scenarios for {route}"
        SCENARIOS[route] = Scenario(action, actor, call)
        return call

    return register


# Years no other test uses (the API takes batches and calendar years up to 2100).
_batch_years = itertools.count(2041)
_calendar_years = itertools.count(2061)

# auth, users, organisations


@audited("POST /api/v1/auth/login", "auth.login", actor=None)
async def _login(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.applicant)
    async with w.client() as client:
        return await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )


@audited("POST /api/v1/auth/register", "user.register", actor=None)
async def _register(w: World) -> httpx.Response:
    async with w.client() as client:
        email = f"audit-{uuid.uuid4().hex[:10]}@example.cn"
        return await client.post("/api/v1/auth/register", json=registration(email=email))


@audited("POST /api/v1/auth/logout", "auth.logout", actor=None)
async def _logout(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.expert)
    client = await w.logged_in(user)
    try:
        return await client.post("/api/v1/auth/logout")
    finally:
        await client.aclose()


@audited("POST /api/v1/auth/password", "auth.change_password", actor=None)
async def _change_password(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.applicant)
    client = await w.logged_in(user)
    try:
        return await client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "Audit-Trail-Kettle-58"},
        )
    finally:
        await client.aclose()


@audited("POST /api/v1/auth/password-reset", "auth.request_password_reset", actor=None)
async def _request_password_reset(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.applicant)
    async with w.client() as client:
        return await client.post("/api/v1/auth/password-reset", json={"email": user.email})


@audited("POST /api/v1/auth/password-reset/confirm", "auth.reset_password", actor=None)
async def _confirm_password_reset(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.applicant)
        token = await make_password_reset(db, user)
    async with w.client() as client:
        return await client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "new_password": "Audit-Trail-Kettle-58"},
        )


@audited("POST /api/v1/users", "user.create")
async def _create_user(w: World) -> httpx.Response:
    return await w.admin.post(
        "/api/v1/users",
        json={
            "email": f"staff-{uuid.uuid4().hex[:10]}@example.cn",
            "display_name": "审计测试用户",
            "password": "Audit-Trail-Lantern-77",
        },
    )


@audited("PUT /api/v1/users/{user_id}/roles", "user.set_roles")
async def _set_roles(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db)
        office = await make_org(db, kind=OrganizationKind.agency, district=None)
    return await w.admin.put(
        f"/api/v1/users/{user.id}/roles",
        json=[{"role": "agency_officer", "organization_id": str(office.id)}],
    )


@audited("POST /api/v1/users/{user_id}/deactivate", "user.deactivate")
async def _deactivate(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.applicant)
    return await w.admin.post(f"/api/v1/users/{user.id}/deactivate")


@audited("POST /api/v1/users/{user_id}/revoke-sessions", "user.revoke_sessions")
async def _revoke_sessions(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.applicant)
    return await w.admin.post(f"/api/v1/users/{user.id}/revoke-sessions")


@audited("POST /api/v1/organizations", "organization.create")
async def _create_organization(w: World) -> httpx.Response:
    return await w.admin.post(
        "/api/v1/organizations", json={"name_zh": "审计测试机构", "kind": "agency"}
    )


# batches and the working-day calendar


@audited("POST /api/v1/batches", "batch.create")
async def _create_batch(w: World) -> httpx.Response:
    year = next(_batch_years)
    return await w.admin.post(
        "/api/v1/batches",
        json={
            "year": year,
            "sequence": 1,
            "title_zh": f"{year}年第一批",
            "title_en": f"{year} first batch",
            "opens_at": f"{year}-03-01T00:00:00+08:00",
            "closes_at": f"{year}-04-30T17:00:00+08:00",
        },
    )


@audited("PATCH /api/v1/batches/{batch_id}", "batch.update")
async def _update_batch(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.draft)
    return await w.admin.patch(f"/api/v1/batches/{batch.id}", json={"title_en": "Renamed"})


@audited("POST /api/v1/batches/{batch_id}/transitions/{action}", "batch.open")
async def _transition(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.draft)
    return await w.admin.post(f"/api/v1/batches/{batch.id}/transitions/open")


@audited("PUT /api/v1/calendar/years/{year}", "calendar_year.replace")
async def _replace_year(w: World) -> httpx.Response:
    year = next(_calendar_years)
    return await w.admin.put(
        f"/api/v1/calendar/years/{year}",
        json=[{"day": f"{year}-01-01", "working": False, "name_zh": "元旦"}],
    )


@audited("DELETE /api/v1/calendar/years/{year}", "calendar_year.delete")
async def _delete_year(w: World) -> httpx.Response:
    year = next(_calendar_years)
    async with w.db() as db:
        db.add(CalendarYear(year=year, source=CalendarSource.admin))
    return await w.admin.delete(f"/api/v1/calendar/years/{year}")


# applications: the applicant's side


async def _draft(w: World) -> str:
    """A complete draft of the applicant's enterprise, of a product of its own (the enterprise
    may not apply twice for one product)."""
    async with w.db() as db:
        batch = await make_open_batch(db)
    response = await create_draft(w.applicant, batch, model_spec=f"AU-{uuid.uuid4().hex[:8]}")
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _submitted(w: World) -> str:
    application_id = await _draft(w)
    async with w.db() as db:
        await attach_required(db, application_id)
    response = await w.applicant.post(f"/api/v1/applications/{application_id}/submit")
    assert response.status_code == 200, response.text
    return application_id


@audited("POST /api/v1/applications", "application.create", actor="applicant")
async def _create_application(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_open_batch(db)
    return await create_draft(w.applicant, batch)


@audited("PATCH /api/v1/applications/{application_id}", "application.update", actor="applicant")
async def _update_application(w: World) -> httpx.Response:
    application_id = await _draft(w)
    return await w.applicant.patch(
        f"/api/v1/applications/{application_id}", json={"summary_zh": "改过的简介。"}, headers=ANY
    )


@audited(
    "POST /api/v1/applications/{application_id}/submit", "application.submit", actor="applicant"
)
async def _submit(w: World) -> httpx.Response:
    application_id = await _draft(w)
    async with w.db() as db:
        await attach_required(db, application_id)
    return await w.applicant.post(f"/api/v1/applications/{application_id}/submit")


@audited(
    "POST /api/v1/applications/{application_id}/resubmit",
    "application.resubmit",
    actor="applicant",
)
async def _resubmit(w: World) -> httpx.Response:
    application_id = await _submitted(w)
    async with w.db() as db:
        await db.execute(
            update(Application)
            .where(Application.id == uuid.UUID(application_id))
            .values(
                status=ApplicationStatus.returned,
                return_step=CheckStep.district,
                return_reason="请补充检测报告",
                return_deadline_on=today() + timedelta(days=7),
            )
        )
    return await w.applicant.post(f"/api/v1/applications/{application_id}/resubmit")


@audited(
    "POST /api/v1/applications/{application_id}/withdraw",
    "application.withdraw",
    actor="applicant",
)
async def _withdraw(w: World) -> httpx.Response:
    application_id = await _draft(w)
    return await w.applicant.post(f"/api/v1/applications/{application_id}/withdraw")


@audited(
    "POST /api/v1/applications/{application_id}/attachments",
    "attachment.create",
    actor="applicant",
)
async def _upload(w: World) -> httpx.Response:
    application_id = await _draft(w)
    return await w.applicant.post(
        f"/api/v1/applications/{application_id}/attachments",
        data={"kind": "test_report"},
        files={"file": ("检测报告.pdf", minimal_pdf("audit"), "application/pdf")},
    )


@audited(
    "DELETE /api/v1/applications/{application_id}/attachments/{attachment_id}",
    "attachment.delete",
    actor="applicant",
)
async def _delete_attachment(w: World) -> httpx.Response:
    application_id = await _draft(w)
    url = f"/api/v1/applications/{application_id}/attachments"
    uploaded = await w.applicant.post(
        url,
        data={"kind": "test_report"},
        files={"file": ("检测报告.pdf", minimal_pdf("to delete"), "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    return await w.applicant.delete(f"{url}/{uploaded.json()['id']}")


# applications: the checks


async def _in_status(w: World, status: ApplicationStatus) -> Application:
    """An application of the applicant's enterprise (Haidian), in `status`."""
    async with w.db() as db:
        return await make_application(
            db, await w.enterprise(db), await make_open_batch(db), status=status
        )


def _check(verb: str, status: ApplicationStatus, who: str, body: dict[str, Any]) -> None:
    step = "district" if who == "district" else "formal"
    route = f"POST /api/v1/applications/{{application_id}}/{step}/{verb}"

    @audited(route, f"application.{step}_{verb}", actor=who)
    async def call(w: World) -> httpx.Response:
        application = await _in_status(w, status)
        return await w.clients[who].post(
            f"/api/v1/applications/{application.id}/{step}/{verb}", json=body
        )


RETURN = {"reason": "材料不全，请补正后重新提交", "deadline_working_days": 5}
_check("recommend", ApplicationStatus.submitted, "district", {})
_check("return", ApplicationStatus.submitted, "district", RETURN)
_check("reject", ApplicationStatus.submitted, "district", REASON)
_check("accept", ApplicationStatus.recommended, "admin", {})
_check("return", ApplicationStatus.recommended, "admin", RETURN)
_check("reject", ApplicationStatus.recommended, "admin", REASON)


# experts and assignment


@audited("PUT /api/v1/experts/{user_id}", "expert.create")
async def _put_expert(w: World) -> httpx.Response:
    async with w.db() as db:
        user = await make_user(db, Role.expert)
    return await w.admin.put(f"/api/v1/experts/{user.id}", json={"fields": ["aerospace"]})


@audited("POST /api/v1/experts/me/conflicts", "expert.conflict_add", actor="expert")
async def _declare_own_conflict(w: World) -> httpx.Response:
    async with w.db() as db:
        org = await make_org(db)
    return await w.expert.post(
        "/api/v1/experts/me/conflicts", json={"organization_id": str(org.id), **REASON}
    )


@audited("POST /api/v1/experts/{user_id}/conflicts", "expert.conflict_add")
async def _record_conflict(w: World) -> httpx.Response:
    async with w.db() as db:
        expert, org = await make_expert(db), await make_org(db)
    return await w.admin.post(
        f"/api/v1/experts/{expert.id}/conflicts", json={"organization_id": str(org.id), **REASON}
    )


@audited("DELETE /api/v1/experts/{user_id}/conflicts/{conflict_id}", "expert.conflict_delete")
async def _withdraw_conflict(w: World) -> httpx.Response:
    async with w.db() as db:
        expert = await make_expert(db, conflicts=[await make_org(db)])
        conflict_id = await db.scalar(
            select(ExpertConflict.id).where(ExpertConflict.expert_id == expert.id)
        )
    return await w.admin.delete(f"/api/v1/experts/{expert.id}/conflicts/{conflict_id}")


@audited("PUT /api/v1/batches/{batch_id}/experts/{user_id}/availability", "expert.availability")
async def _availability(w: World) -> httpx.Response:
    async with w.db() as db:
        batch, expert = await make_batch(db, status=BatchStatus.reviewing), await make_expert(db)
    return await w.admin.put(
        f"/api/v1/batches/{batch.id}/experts/{expert.id}/availability",
        json={"available": False, "note": "出差"},
    )


@audited("PUT /api/v1/batches/{batch_id}/review-settings", "batch.review_settings")
async def _review_settings(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.open)
    return await w.admin.put(
        f"/api/v1/batches/{batch.id}/review-settings", json={"reviewers_per_application": 3}
    )


@audited("PUT /api/v1/batches/{batch_id}/rubric", "rubric.replace")
async def _rubric(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.reviewing)
    return await w.admin.put(f"/api/v1/batches/{batch.id}/rubric", json={"criteria": CRITERIA})


@audited("POST /api/v1/batches/{batch_id}/attestation", "expert.attest", actor="expert")
async def _attest(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.reviewing)
    return await w.expert.post(f"/api/v1/batches/{batch.id}/attestation")


@audited("POST /api/v1/batches/{batch_id}/assignment-draws", "assignment.draw")
async def _draw(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.reviewing)
        await make_application(db, await make_org(db), batch, status=ApplicationStatus.in_review)
    return await w.admin.post(f"/api/v1/batches/{batch.id}/assignment-draws", json={})


@audited("POST /api/v1/assignments", "assignment.add")
async def _assign(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.reviewing)
        application = await make_application(
            db, await make_org(db), batch, status=ApplicationStatus.in_review
        )
        expert = await make_expert(db)
    return await w.admin.post(
        "/api/v1/assignments",
        json={"application_id": str(application.id), "expert_id": str(expert.id), **REASON},
    )


@audited("POST /api/v1/assignments/{assignment_id}/remove", "assignment.remove")
async def _unassign(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.reviewing)
        application = await make_application(
            db, await make_org(db), batch, status=ApplicationStatus.in_review
        )
        assignment = await make_assignment(db, application, await make_expert(db))
    return await w.admin.post(f"/api/v1/assignments/{assignment.id}/remove", json=REASON)


@audited(
    "POST /api/v1/expert/assignments/{assignment_id}/declare-conflict",
    "assignment.declare_conflict",
    actor="expert",
)
async def _step_back(w: World) -> httpx.Response:
    async with w.db() as db:
        batch, _ = await make_review_batch(db)
        panel = await make_panel(db, batch, experts=[w.users["expert"]])
    return await w.expert.post(
        f"/api/v1/expert/assignments/{panel.assignments[0].id}/declare-conflict", json=REASON
    )


# review, results, deliberation


@audited("PUT /api/v1/expert/assignments/{assignment_id}/review", "review.save", actor="expert")
async def _save_review(w: World) -> httpx.Response:
    async with w.db() as db:
        batch, criteria = await make_review_batch(db)
        panel = await make_panel(db, batch, experts=[w.users["expert"]])
    return await save(
        w.expert,
        panel.assignments[0],
        {"scores": criteria_scores(criteria, [5, 5]), "recommendation": "recommend"},
    )


@audited(
    "POST /api/v1/expert/assignments/{assignment_id}/review/submit",
    "review.submit",
    actor="expert",
)
async def _submit_review(w: World) -> httpx.Response:
    async with w.db() as db:
        batch, criteria = await make_review_batch(db)
        panel = await make_panel(db, batch, experts=[w.users["expert"]])
    return await score_and_submit(w.expert, panel.assignments[0], criteria_scores(criteria, [5, 5]))


@audited("POST /api/v1/reviews/{review_id}/reopen", "review.reopen")
async def _reopen(w: World) -> httpx.Response:
    async with w.db() as db:
        batch, criteria = await make_review_batch(db)
        panel = await make_panel(db, batch, experts=[w.users["expert"]])
    submitted = await score_and_submit(
        w.expert, panel.assignments[0], criteria_scores(criteria, [6, 6])
    )
    assert submitted.status_code == 200, submitted.text
    return await w.admin.post(f"/api/v1/reviews/{submitted.json()['id']}/reopen", json=REASON)


@audited("POST /api/v1/assignments/{assignment_id}/waive", "review.waive")
async def _waive(w: World) -> httpx.Response:
    async with w.db() as db:
        batch, _ = await make_review_batch(db)
        panel = await make_panel(db, batch, experts=2)
    return await w.admin.post(f"/api/v1/assignments/{panel.assignments[1].id}/waive", json=REASON)


def _deliberate(verb: str, action: str) -> None:
    @audited(f"POST /api/v1/applications/{{application_id}}/deliberation/{verb}", action)
    async def call(w: World) -> httpx.Response:
        async with w.db() as db:
            batch, _ = await make_review_batch(db, status=BatchStatus.deliberation)
            application = await make_application(
                db, await make_org(db), batch, status=ApplicationStatus.reviewed
            )
        return await w.admin.post(
            f"/api/v1/applications/{application.id}/deliberation/{verb}", json=REASON
        )


_deliberate("shortlist", "application.shortlist")
_deliberate("not-select", "application.not_select")


# publicity and objections


@audited("POST /api/v1/publicity/{batch_id}/objections", "objection.file", actor=None)
async def _object(w: World) -> httpx.Response:
    async with w.db() as db:
        p = await make_publicity(db)
    async with w.client() as citizen:
        return await file_objection(citizen, p)


def _triage(verb: str, body: dict[str, Any]) -> None:
    @audited(
        f"POST /api/v1/objections/{{objection_id}}/{verb}", f"objection.{verb.replace('-', '_')}"
    )
    async def call(w: World) -> httpx.Response:
        async with w.db() as db:
            p = await make_publicity(db)
            objection = Objection(
                reference=f"YY-AUDIT-{uuid.uuid4().hex[:10]}",
                batch_id=p.batch.id,
                application_id=p.shortlisted[0].id,
                status=ObjectionStatus.filed,
                objector_name="赵六",
                objector_phone="13800138000",
                statement="该产品的核心部件为进口产品，与申报材料不符。",
            )
            db.add(objection)
        return await w.admin.post(f"/api/v1/objections/{objection.id}/{verb}", json=body)


RESOLUTION = {"resolution": "经核实，申报材料与事实相符，异议处理完毕。"}
_triage("start-review", {})
_triage("uphold", RESOLUTION)
_triage("dismiss", RESOLUTION)


# awards


@audited("POST /api/v1/awards/issue", "award.issue")
async def _issue(w: World) -> httpx.Response:
    async with w.db() as db:
        batch = await make_batch(db, status=BatchStatus.announced)
        application = await make_application(
            db, await make_org(db), batch, status=ApplicationStatus.shortlisted
        )
        await grant(db, application, batch)
    return await w.admin.post("/api/v1/awards/issue")


@audited("POST /api/v1/awards/{award_id}/revoke", "award.revoke")
async def _revoke(w: World) -> httpx.Response:
    async with w.db() as db:
        award = await make_entry(db)
    return await w.admin.post(
        f"/api/v1/awards/{award.id}/revoke", json={"reason": "经查申报材料弄虚作假，撤销认定。"}
    )


# roadshows


async def _roadshow(w: World, *, published: bool = False, slot: bool = False) -> dict[str, Any]:
    created = await w.admin.post("/api/v1/roadshows", json=EVENT)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    if slot:
        async with w.db() as db:
            org = await make_org(db)
        added = await w.admin.post(
            f"/api/v1/roadshows/{body['id']}/slots",
            json=slot_body(org.id, "14:00", "14:30"),
            headers=ANY,
        )
        assert added.status_code == 201, added.text
        second = await w.admin.post(
            f"/api/v1/roadshows/{body['id']}/slots",
            json=slot_body(org.id, "14:30", "15:00"),
            headers=ANY,
        )
        assert second.status_code == 201, second.text
        body = second.json()
    if published:
        done = await w.admin.post(f"/api/v1/roadshows/{body['id']}/publish", headers=ANY)
        assert done.status_code == 200, done.text
        body = done.json()
    return body


@audited("POST /api/v1/roadshows", "roadshow.create")
async def _create_roadshow(w: World) -> httpx.Response:
    return await w.admin.post("/api/v1/roadshows", json=EVENT)


@audited("PATCH /api/v1/roadshows/{roadshow_id}", "roadshow.update")
async def _update_roadshow(w: World) -> httpx.Response:
    roadshow = await _roadshow(w)
    return await w.admin.patch(
        f"/api/v1/roadshows/{roadshow['id']}", json={"venue_zh": "新会场"}, headers=ANY
    )


@audited("POST /api/v1/roadshows/{roadshow_id}/publish", "roadshow.publish")
async def _publish(w: World) -> httpx.Response:
    roadshow = await _roadshow(w)
    return await w.admin.post(f"/api/v1/roadshows/{roadshow['id']}/publish", headers=ANY)


@audited("POST /api/v1/roadshows/{roadshow_id}/unpublish", "roadshow.unpublish")
async def _unpublish(w: World) -> httpx.Response:
    roadshow = await _roadshow(w, published=True)
    return await w.admin.post(f"/api/v1/roadshows/{roadshow['id']}/unpublish", headers=ANY)


@audited("DELETE /api/v1/roadshows/{roadshow_id}", "roadshow.delete")
async def _delete_roadshow(w: World) -> httpx.Response:
    roadshow = await _roadshow(w)
    return await w.admin.delete(f"/api/v1/roadshows/{roadshow['id']}", headers=ANY)


@audited("POST /api/v1/roadshows/{roadshow_id}/slots", "roadshow.slot_add")
async def _add_slot(w: World) -> httpx.Response:
    roadshow = await _roadshow(w)
    async with w.db() as db:
        org = await make_org(db)
    return await w.admin.post(
        f"/api/v1/roadshows/{roadshow['id']}/slots",
        json=slot_body(org.id, "15:00", "15:30"),
        headers=ANY,
    )


@audited("PATCH /api/v1/roadshows/{roadshow_id}/slots/{slot_id}", "roadshow.slot_update")
async def _update_slot(w: World) -> httpx.Response:
    roadshow = await _roadshow(w, slot=True)
    slot = roadshow["slots"][0]["id"]
    return await w.admin.patch(
        f"/api/v1/roadshows/{roadshow['id']}/slots/{slot}", json={"presenter": "李四"}, headers=ANY
    )


@audited("DELETE /api/v1/roadshows/{roadshow_id}/slots/{slot_id}", "roadshow.slot_delete")
async def _delete_slot(w: World) -> httpx.Response:
    roadshow = await _roadshow(w, slot=True)
    slot = roadshow["slots"][0]["id"]
    return await w.admin.delete(f"/api/v1/roadshows/{roadshow['id']}/slots/{slot}", headers=ANY)


@audited("POST /api/v1/roadshows/{roadshow_id}/slots/{slot_id}/move", "roadshow.slot_move")
async def _move_slot(w: World) -> httpx.Response:
    roadshow = await _roadshow(w, slot=True)
    slot = roadshow["slots"][1]["id"]
    return await w.admin.post(
        f"/api/v1/roadshows/{roadshow['id']}/slots/{slot}/move",
        json={"direction": "up"},
        headers=ANY,
    )


# follow-up records of the applicant's award

FOLLOW_UP = {
    "projects": ("demonstration_project", project),
    "intentions": ("purchase_intention", intention),
    "insurance-policies": ("insurance_policy", policy),
}


async def _record(w: World, kind: str) -> dict[str, Any]:
    async with w.db() as db:
        award = await make_entry(db, org=await w.enterprise(db))
    body = FOLLOW_UP[kind][1]()
    if kind == "insurance-policies":
        body["policy_number"] = f"PICC-{uuid.uuid4().hex[:12]}"
    created = await w.applicant.post(f"/api/v1/follow-up/awards/{award.id}/{kind}", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _follow_up(kind: str) -> None:
    name, _ = FOLLOW_UP[kind]

    @audited(f"POST /api/v1/follow-up/awards/{{award_id}}/{kind}", f"{name}.create", "applicant")
    async def create(w: World) -> httpx.Response:
        async with w.db() as db:
            award = await make_entry(db, org=await w.enterprise(db))
        body = FOLLOW_UP[kind][1]()
        if kind == "insurance-policies":
            body["policy_number"] = f"PICC-{uuid.uuid4().hex[:12]}"
        return await w.applicant.post(f"/api/v1/follow-up/awards/{award.id}/{kind}", json=body)

    edit = {"projects": {"site": "亦庄"}, "intentions": {"buyer": "另一买方"}}.get(
        kind, {"insurer": "另一保险公司"}
    )

    @audited(f"PATCH /api/v1/follow-up/{kind}/{{record_id}}", f"{name}.update", "applicant")
    async def patch(w: World) -> httpx.Response:
        record = await _record(w, kind)
        return await w.applicant.patch(
            f"/api/v1/follow-up/{kind}/{record['id']}", json=edit, headers=ANY
        )

    @audited(f"DELETE /api/v1/follow-up/{kind}/{{record_id}}", f"{name}.delete", "applicant")
    async def delete(w: World) -> httpx.Response:
        record = await _record(w, kind)
        return await w.applicant.delete(f"/api/v1/follow-up/{kind}/{record['id']}", headers=ANY)


for _kind in FOLLOW_UP:
    _follow_up(_kind)


@audited("POST /api/v1/follow-up/{kind}/{record_id}/verify", "demonstration_project.verify")
async def _verify(w: World) -> httpx.Response:
    record = await _record(w, "projects")
    return await w.admin.post(f"/api/v1/follow-up/projects/{record['id']}/verify", headers=ANY)


@audited("POST /api/v1/follow-up/{kind}/{record_id}/unverify", "demonstration_project.unverify")
async def _unverify(w: World) -> httpx.Response:
    record = await _record(w, "projects")
    url = f"/api/v1/follow-up/projects/{record['id']}"
    verified = await w.admin.post(f"{url}/verify", headers=ANY)
    assert verified.status_code == 200, verified.text
    return await w.admin.post(f"{url}/unverify", json=REASON)


# agency clients and their webhooks


async def _agency_client(w: World) -> dict[str, Any]:
    async with w.db() as db:
        org = await make_org(db, kind=OrganizationKind.agency, district=None)
    created = await w.admin.post(
        "/api/v1/agency/clients",
        json={
            "name": "统计局数据平台",
            "organization_id": str(org.id),
            "scopes": ["catalogue:read"],
        },
    )
    assert created.status_code == 201, created.text
    return dict(created.json()["client"])


@audited("POST /api/v1/agency/clients", "agency_client.create")
async def _create_client(w: World) -> httpx.Response:
    async with w.db() as db:
        org = await make_org(db, kind=OrganizationKind.agency, district=None)
    return await w.admin.post(
        "/api/v1/agency/clients",
        json={
            "name": "统计局数据平台",
            "organization_id": str(org.id),
            "scopes": ["catalogue:read"],
        },
    )


@audited("PATCH /api/v1/agency/clients/{client_id}", "agency_client.update")
async def _update_client(w: World) -> httpx.Response:
    client = await _agency_client(w)
    return await w.admin.patch(
        f"/api/v1/agency/clients/{client['id']}", json={"name": "新名称"}, headers=ANY
    )


@audited("POST /api/v1/agency/clients/{client_id}/rotate-secret", "agency_client.rotate_secret")
async def _rotate_client(w: World) -> httpx.Response:
    client = await _agency_client(w)
    return await w.admin.post(
        f"/api/v1/agency/clients/{client['id']}/rotate-secret", json={"overlap_hours": 24}
    )


@audited("POST /api/v1/agency/clients/{client_id}/revoke", "agency_client.revoke")
async def _revoke_client(w: World) -> httpx.Response:
    client = await _agency_client(w)
    return await w.admin.post(f"/api/v1/agency/clients/{client['id']}/revoke")


HOOKS = "/api/v1/webhooks/subscriptions"
# Nothing listens there: a redelivery fails at once, without leaving the machine.
DEAD_RECEIVER = "http://127.0.0.1:9/hooks"


async def _subscription(w: World, *, active: bool = True) -> tuple[uuid.UUID, int]:
    """A subscription of the world's agency client and a failed delivery of it."""
    async with w.db() as db:
        subscription = WebhookSubscription(
            client_id=w.agency_client_id,
            url=DEAD_RECEIVER,
            events=["batch.status_changed"],
            signing_secret="whsec_audit",
            active=active,
            disabled_reason=None if active else "too many failures",
        )
        db.add(subscription)
        await db.flush()
        event = await events.emit(
            db, "batch.status_changed", object_type="batch", object_id=uuid.uuid4()
        )
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            event_id=event.id,
            event_type=event.event_type,
            status=DeliveryStatus.failed,
        )
        db.add(delivery)
        await db.flush()
        return subscription.id, delivery.id


@audited("POST /api/v1/webhooks/subscriptions", "webhook_subscription.create", actor=None)
async def _subscribe(w: World) -> httpx.Response:
    async with w.client() as machine:
        return await machine.post(
            HOOKS,
            json={"url": "https://hooks.example/in", "events": ["award.granted"]},
            headers=w.agency,
        )


@audited(
    "PATCH /api/v1/webhooks/subscriptions/{subscription_id}",
    "webhook_subscription.update",
    actor=None,
)
async def _update_subscription(w: World) -> httpx.Response:
    subscription, _ = await _subscription(w)
    async with w.client() as machine:
        return await machine.patch(
            f"{HOOKS}/{subscription}",
            json={"events": ["objection.filed"]},
            headers={**w.agency, **ANY},
        )


@audited(
    "DELETE /api/v1/webhooks/subscriptions/{subscription_id}",
    "webhook_subscription.delete",
    actor=None,
)
async def _unsubscribe(w: World) -> httpx.Response:
    subscription, _ = await _subscription(w)
    async with w.client() as machine:
        return await machine.delete(f"{HOOKS}/{subscription}", headers=w.agency)


@audited(
    "POST /api/v1/webhooks/subscriptions/{subscription_id}/rotate-secret",
    "webhook_subscription.rotate_secret",
    actor=None,
)
async def _rotate_subscription(w: World) -> httpx.Response:
    subscription, _ = await _subscription(w)
    async with w.client() as machine:
        return await machine.post(f"{HOOKS}/{subscription}/rotate-secret", headers=w.agency)


@audited(
    "POST /api/v1/webhooks/deliveries/{delivery_id}/redeliver",
    "webhook_delivery.redeliver",
    actor=None,
)
async def _redeliver(w: World) -> httpx.Response:
    _, delivery = await _subscription(w)
    async with w.client() as machine:
        return await machine.post(
            f"/api/v1/webhooks/deliveries/{delivery}/redeliver", headers=w.agency
        )


@audited(
    "POST /api/v1/admin/webhooks/subscriptions/{subscription_id}/enable",
    "webhook_subscription.enable",
)
async def _enable(w: World) -> httpx.Response:
    subscription, _ = await _subscription(w, active=False)
    return await w.admin.post(f"/api/v1/admin/webhooks/subscriptions/{subscription}/enable")


@audited(
    "POST /api/v1/admin/webhooks/deliveries/{delivery_id}/redeliver", "webhook_delivery.redeliver"
)
async def _admin_redeliver(w: World) -> httpx.Response:
    _, delivery = await _subscription(w)
    return await w.admin.post(f"/api/v1/admin/webhooks/deliveries/{delivery}/redeliver")


# The exempt routes are called too: they work, and write nothing to the log — an exemption
# that stops being true (the route starts auditing) moves to the scenarios.

EXEMPT_CALLS: dict[str, Call] = {}


def exempt_call(route: str) -> Callable[[Call], Call]:
    def register(call: Call) -> Call:
        EXEMPT_CALLS[route] = call
        return call

    return register


@exempt_call("POST /api/v1/oauth/token")
async def _token(w: World) -> httpx.Response:
    async with w.db() as db:
        client, secret = await make_client(db, scopes=[Scope.catalogue_read])
    async with w.client() as machine:
        return await machine.post(
            "/api/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(client.client_id, secret),
        )


async def _notification(w: World) -> int:
    async with w.db() as db:
        event = await events.emit(db, "test.audit", object_type="test", object_id=uuid.uuid4())
        row = Notification(
            user_id=w.users["applicant"].id,
            kind="application_decision",
            event_id=event.id,
            title="测试通知",
            body="测试通知正文。",
            link="/workbench",
        )
        db.add(row)
        await db.flush()
        return row.id


@exempt_call("POST /api/v1/notifications/{notification_id}/read")
async def _read_one(w: World) -> httpx.Response:
    notification = await _notification(w)
    return await w.applicant.post(f"/api/v1/notifications/{notification}/read")


@exempt_call("POST /api/v1/notifications/read-all")
async def _read_all(w: World) -> httpx.Response:
    await _notification(w)
    return await w.applicant.post("/api/v1/notifications/read-all")


@exempt_call("PUT /api/v1/notifications/preferences")
async def _preferences(w: World) -> httpx.Response:
    return await w.applicant.put(
        "/api/v1/notifications/preferences", json={"email_delivery": "daily"}
    )


# --- the tests --------------------------------------------------------------------------------


def mutating_routes(app: FastAPI) -> set[str]:
    """ "METHOD /path" of every documented route that changes state."""
    routes = set()
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            routes |= {f"{m} {ctx.path_format}" for m in route.methods if m in MUTATING}
    return routes


def test_every_mutating_route_is_accounted_for(app: FastAPI) -> None:
    mutating = mutating_routes(app)
    assert not SCENARIOS.keys() & EXEMPT.keys(), "a route is both called and exempt"
    missing = sorted(mutating - SCENARIOS.keys() - EXEMPT.keys())
    assert not missing, (
        "mutating routes with neither an audit scenario nor a reasoned exemption in "
        f"{Path(__file__).name}: {missing}"
    )
    stale = sorted((SCENARIOS.keys() | EXEMPT.keys()) - mutating)
    assert not stale, f"entries for routes that no longer exist: {stale}"
    assert all(len(reason) > 40 for reason in EXEMPT.values()), "say why, in a sentence"
    assert EXEMPT_CALLS.keys() == EXEMPT.keys(), "every exemption is called too"


@pytest.mark.parametrize("route", sorted(SCENARIOS))
async def test_the_mutation_writes_an_audit_record(world: World, route: str) -> None:
    scenario = SCENARIOS[route]
    response = await scenario.call(world)
    assert 200 <= response.status_code < 300, f"{route}: {response.status_code} {response.text}"
    request_id = response.headers["x-request-id"]
    async with world.sessions() as db:
        rows = (
            await db.scalars(
                select(AuditEvent)
                .where(AuditEvent.request_id == request_id)
                .order_by(AuditEvent.id)
            )
        ).all()
    actions = [row.action for row in rows]
    assert scenario.action in actions, f"{route} wrote {actions or 'no audit record'}"
    row = next(r for r in rows if r.action == scenario.action)
    if scenario.actor is not None:
        assert row.actor_id == world.users[scenario.actor].id, f"{route}: wrong actor"
    assert row.ip is not None, f"{route}: no client address"


@pytest.mark.parametrize("route", sorted(EXEMPT_CALLS))
async def test_an_exempt_route_works_and_writes_no_audit_record(world: World, route: str) -> None:
    response = await EXEMPT_CALLS[route](world)
    assert 200 <= response.status_code < 300, f"{route}: {response.status_code} {response.text}"
    async with world.sessions() as db:
        actions = (
            await db.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.request_id == response.headers["x-request-id"]
                )
            )
        ).all()
    assert actions == [], f"{route} is exempt but wrote {actions}: move it to the scenarios"
