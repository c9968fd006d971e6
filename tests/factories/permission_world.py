"""The objects and callers of the object-level permission matrix (tests/object_access.py).

One enterprise in Haidian owns everything an enterprise can own: an application in review (with
an attachment, an assigned expert's draft review), an award with follow-up records, and the
notification of its applicant. Around it: the other kinds of caller, each with a logged-in
client, and the staff-side objects (a batch in publicity with an objection, a published roadshow,
an agency client's webhook subscription and delivery, an assignment draw, a mail message).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.auth import service as auth
from api.config import get_settings
from api.events import service as events
from api.models import (
    ApplicationStatus,
    AssignmentDraw,
    Attachment,
    AttachmentKind,
    BatchStatus,
    DeliveryStatus,
    District,
    ExpertConflict,
    MailMessage,
    Notification,
    Objection,
    Review,
    Role,
    Scope,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from api.permissions import CSRF_HEADER
from api.storage import LocalStorage
from tests.agency.factories import bearer, make_client, make_token
from tests.catalogue.helpers import make_entry
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import attest, make_assignment, make_expert
from tests.factories.files import minimal_pdf
from tests.factories.identity import make_org, make_user
from tests.object_access import INTENTION, POLICY, PROJECT, Caller
from tests.publicity.helpers import know_calendar_years, make_publicity
from tests.review.helpers import make_rubric
from tests.roadshows.helpers import EVENT, slot_body

# A receiver address nothing listens on: a redelivery fails at once, without leaving the host.
DEAD_RECEIVER = "http://127.0.0.1:9/hooks"


@dataclass
class World:
    """Path parameter values by name (and a few more the request bodies use), and a client per
    kind of caller."""

    ids: dict[str, str]
    callers: dict[Caller, httpx.AsyncClient]


async def _blob(storage: LocalStorage, data: bytes) -> str:
    sha256 = hashlib.sha256(data).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    await storage.put(sha256, chunks())
    return sha256


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _session_client(
    stack: AsyncExitStack, app: FastAPI, db: AsyncSession, user: User
) -> httpx.AsyncClient:
    """A client logged in as `user`, as the SPA is after logging in (without the login route:
    its rate limit is not what this is about)."""
    settings = get_settings()
    issued = await auth.start_session(db, user, ip=None, user_agent="permission-matrix")
    client = await stack.enter_async_context(_client(app))
    client.cookies.set(settings.session_cookie_name, issued.token)
    client.cookies.set(settings.csrf_cookie_name, issued.csrf_token)
    client.headers[CSRF_HEADER] = issued.csrf_token
    return client


@asynccontextmanager
async def permission_world(
    app: FastAPI, db: AsyncSession, storage: LocalStorage
) -> AsyncIterator[World]:
    async with AsyncExitStack() as stack:
        own = await make_org(db, district=District.haidian)
        other = await make_org(db, district=District.chaoyang)
        users: dict[Caller, User] = {
            Caller.applicant_own: await make_user(db, Role.applicant, org=own),
            Caller.applicant_other: await make_user(db, Role.applicant, org=other),
            Caller.district_own: await make_user(
                db, Role.district_officer, district=District.haidian
            ),
            Caller.district_other: await make_user(
                db, Role.district_officer, district=District.chaoyang
            ),
            Caller.expert_assigned: await make_expert(db),
            Caller.expert_unassigned: await make_expert(db),
            Caller.agency_officer: await make_user(db, Role.agency_officer),
            Caller.admin: await make_user(db, Role.admin),
        }
        callers = {caller: await _session_client(stack, app, db, u) for caller, u in users.items()}
        callers[Caller.anonymous] = await stack.enter_async_context(_client(app))
        agency = {
            Caller.client_scoped: (await make_client(db, scopes=list(Scope)))[0],
            Caller.client_other: (await make_client(db, scopes=list(Scope)))[0],
            Caller.client_unscoped: (await make_client(db, scopes=[]))[0],
        }
        for caller, agency_client in agency.items():
            client = await stack.enter_async_context(_client(app))
            client.headers.update(bearer(await make_token(db, agency_client)))
            callers[caller] = client

        # The application in review, its attachment, its assigned expert and draft review.
        batch = await make_batch(db, status=BatchStatus.reviewing)
        await make_rubric(db, batch)
        application = await make_application(db, own, batch, status=ApplicationStatus.in_review)
        expert = users[Caller.expert_assigned]
        await attest(db, batch, expert)
        await attest(db, batch, users[Caller.expert_unassigned])
        assignment = await make_assignment(db, application, expert)
        review = Review(
            assignment_id=assignment.id, application_id=application.id, expert_id=expert.id
        )
        pdf = minimal_pdf("Test report")
        attachment = Attachment(
            application_id=application.id,
            kind=AttachmentKind.test_report,
            filename="test-report.pdf",
            content_type="application/pdf",
            size_bytes=len(pdf),
            sha256=await _blob(storage, pdf),
            uploaded_by=users[Caller.applicant_own].id,
        )
        conflict = ExpertConflict(expert_id=expert.id, organization_id=other.id, reason="测试回避")
        draw = AssignmentDraw(batch_id=batch.id, seed=42, per_application=1, cap_per_expert=1)
        db.add_all([review, attachment, conflict, draw])

        # The enterprise's award and its follow-up records.
        award = await make_entry(db, org=own)
        records: dict[str, str] = {}
        for kind, body in (
            ("projects", PROJECT),
            ("intentions", INTENTION),
            ("insurance-policies", POLICY),
        ):
            response = await callers[Caller.applicant_own].post(
                f"/api/v1/follow-up/awards/{award.id}/{kind}", json=body
            )
            assert response.status_code == 201, response.text
            records[kind] = response.json()["id"]

        # A batch in publicity, and an objection with evidence.
        await know_calendar_years(db)
        publicity = await make_publicity(db)
        evidence = minimal_pdf("Evidence")
        objection = Objection(
            reference=f"YY-T-{uuid.uuid4().hex[:12]}",
            batch_id=publicity.batch.id,
            application_id=publicity.shortlisted[0].id,
            objector_name="李四",
            objector_email="lisi@example.cn",
            statement="该产品的关键指标与检测报告不符。",
            evidence_filename="evidence.pdf",
            evidence_sha256=await _blob(storage, evidence),
            evidence_size_bytes=len(evidence),
        )

        # A published roadshow with one slot.
        admin = callers[Caller.admin]
        created = await admin.post("/api/v1/roadshows", json=EVENT)
        assert created.status_code == 201, created.text
        roadshow_id = created.json()["id"]
        slot = await admin.post(
            f"/api/v1/roadshows/{roadshow_id}/slots",
            json=slot_body(own.id, "14:00", "14:30"),
            headers={"If-Match": "*"},
        )
        assert slot.status_code == 201, slot.text
        published = await admin.post(
            f"/api/v1/roadshows/{roadshow_id}/publish", headers={"If-Match": "*"}
        )
        assert published.status_code == 200, published.text

        # A webhook subscription of the scoped client, with a failed delivery.
        subscription = WebhookSubscription(
            client_id=agency[Caller.client_scoped].id,
            url=DEAD_RECEIVER,
            events=["batch.status_changed"],
            signing_secret="whsec_permission_matrix",
        )
        db.add_all([objection, subscription])
        await db.flush()
        event = await events.emit(
            db, "batch.status_changed", object_type="batch", object_id=batch.id
        )
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            event_id=event.id,
            event_type=event.event_type,
            status=DeliveryStatus.failed,
        )
        applicant = users[Caller.applicant_own]
        notification = Notification(
            user_id=applicant.id,
            kind="application_decision",
            event_id=event.id,
            title="测试通知",
            body="测试通知正文。",
            link=f"/applications/{application.id}",
        )
        mail = MailMessage(
            to_address=applicant.email,
            user_id=applicant.id,
            locale="zh-CN",
            kind="application_decision",
            event_id=event.id,
            subject="测试邮件",
            text="测试邮件正文。",
        )
        db.add_all([delivery, notification, mail])
        await db.flush()

        ids = {
            "organization_id": own.id,
            "user_id": expert.id,
            "batch_id": batch.id,
            "action": "close",
            "application_id": application.id,
            "attachment_id": attachment.id,
            "year": today().year,
            "conflict_id": conflict.id,
            "draw_id": draw.id,
            "assignment_id": assignment.id,
            "review_id": review.id,
            "publicity_batch_id": publicity.batch.id,
            "shortlisted_application_id": publicity.shortlisted[0].id,
            "objection_id": objection.id,
            "number": award.number,
            "award_id": award.id,
            "roadshow_id": roadshow_id,
            "slot_id": slot.json()["slots"][0]["id"],
            "kind": "projects",
            "project_id": records["projects"],
            "intention_id": records["intentions"],
            "policy_id": records["insurance-policies"],
            "client_id": agency[Caller.client_scoped].id,
            "subscription_id": subscription.id,
            "delivery_id": delivery.id,
            "notification_id": notification.id,
            "mail_id": mail.id,
        }
        yield World({k: str(v) for k, v in ids.items()}, callers)
