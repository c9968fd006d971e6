"""Read-only oversight for agency clients: applications past the draft of batches past the
draft, with reviews whose experts are letters, and awards — each behind its own scope."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.oversight import expert_label
from api.models import ApplicationStatus, BatchStatus, Review, ReviewStatus, Scope
from tests.agency.factories import bearer, make_client, make_token
from tests.catalogue.helpers import make_entry
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import make_assignment, make_expert
from tests.factories.identity import make_org

BASE = "/api/v1/agency"


async def reader(db: AsyncSession, *scopes: Scope) -> dict[str, str]:
    agency, _ = await make_client(db, scopes=list(scopes))
    return bearer(await make_token(db, agency))


async def test_applications_past_the_draft_only(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    org = await make_org(db)
    reviewing = await make_batch(db, status=BatchStatus.reviewing)
    drafting = await make_batch(db, status=BatchStatus.draft)
    submitted = await make_application(db, org, reviewing, status=ApplicationStatus.submitted)
    unsent = await make_application(db, org, reviewing, status=ApplicationStatus.draft)
    in_draft_batch = await make_application(db, org, drafting, status=ApplicationStatus.submitted)
    headers = await reader(db, Scope.applications_read)

    listed = await client.get(
        f"{BASE}/applications", params={"batch_id": str(reviewing.id)}, headers=headers
    )
    assert listed.status_code == 200, listed.text
    assert [a["id"] for a in listed.json()["items"]] == [str(submitted.id)]
    assert listed.headers["Cache-Control"] == "private, no-store"
    hidden = await client.get(
        f"{BASE}/applications", params={"batch_id": str(drafting.id)}, headers=headers
    )
    assert hidden.json()["items"] == []
    for invisible in (unsent, in_draft_batch):
        response = await client.get(f"{BASE}/applications/{invisible.id}", headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "application_not_found"


async def test_reviews_come_with_the_experts_as_letters(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    org = await make_org(db)
    batch = await make_batch(db, status=BatchStatus.deliberation)
    application = await make_application(db, org, batch, status=ApplicationStatus.reviewed)
    experts = [await make_expert(db) for _ in range(3)]
    for n, (expert, status) in enumerate(
        zip(
            experts,
            [ReviewStatus.submitted, ReviewStatus.draft, ReviewStatus.submitted],
            strict=True,
        )
    ):
        assignment = await make_assignment(db, application, expert)
        db.add(
            Review(
                assignment_id=assignment.id,
                application_id=application.id,
                expert_id=expert.id,
                status=status,
                scores={"c1": 30 + n},
                total=Decimal(70 + n),
                comment=f"意见{n}",
            )
        )
    await db.flush()
    headers = await reader(db, Scope.applications_read)
    response = await client.get(f"{BASE}/applications/{application.id}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["product_name_zh"] == application.product_name_zh
    # Drafts are the expert's own business; the submitted ones carry no identity.
    reviews = body["reviews"]
    assert [r["expert"] for r in reviews] == ["A", "B"]
    assert sorted(r["total"] for r in reviews) == ["70.00", "72.00"]
    # The letters are stable: the same reading twice gives the same expert the same letter.
    again = (await client.get(f"{BASE}/applications/{application.id}", headers=headers)).json()
    assert again["reviews"] == reviews
    text = response.text
    for expert in experts:
        assert str(expert.id) not in text
        assert expert.email not in text
        assert expert.display_name not in text


def test_expert_letters() -> None:
    assert [expert_label(n) for n in (0, 1, 25, 26, 27, 51, 52)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
    ]


async def test_awards_need_their_own_scope(db: AsyncSession, client: httpx.AsyncClient) -> None:
    award = await make_entry(db)
    only_applications = await reader(db, Scope.applications_read)
    refused = await client.get(f"{BASE}/awards", headers=only_applications)
    assert refused.status_code == 403
    assert "awards:read" in refused.json()["detail"]
    headers = await reader(db, Scope.awards_read)
    listed = await client.get(f"{BASE}/awards", params={"limit": 100}, headers=headers)
    assert listed.status_code == 200
    assert award.number in [a["number"] for a in listed.json()["items"]]
    one = await client.get(f"{BASE}/awards/{award.id}", headers=headers)
    assert one.status_code == 200
    assert one.json()["signature"] == award.signature
    assert one.json()["product_name_en"].startswith("Catalogue test equipment")
    assert (await client.get(f"{BASE}/applications", headers=headers)).status_code == 403


async def test_a_logged_in_session_is_not_an_agency(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    assert (await client.get(f"{BASE}/applications")).status_code == 401
    assert (await client.get(f"{BASE}/awards")).status_code == 401
