"""Expert assignment under contention: draws, hand-made assignments and new conflicts of interest
for one batch, all at once. Whatever order the database settles on, the outcome must keep the
rules: one live assignment per (application, expert), no more experts than the batch asks for,
nobody over the cap, and nobody reviewing an applicant they must avoid (回避)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Coroutine
from typing import Any

import httpx
from sqlalchemy import func, select

from api.experts import algorithm
from api.experts.assignment import load_experts
from api.models import (
    Application,
    AssignmentDraw,
    AssignmentStatus,
    AuditEvent,
    Batch,
    Organization,
    ReviewAssignment,
)
from tests.experts.helpers import reviewing_world
from tests.factories.experts import attest, make_assignment
from tests.races.conftest import ClientFor, Committing, is_problem

ROUNDS = 5
DRAWS = 6
MANUAL_REPEATS = 4


async def _violations(committing_app: Committing, batch_id: object) -> list[str]:
    """Every broken rule among the batch's live assignments, as readable lines."""
    async with committing_app[1]() as db:
        batch = await db.get(Batch, batch_id)
        assert batch is not None
        rows = (
            await db.execute(
                select(ReviewAssignment.expert_id, Application.id, Organization)
                .join(Application, Application.id == ReviewAssignment.application_id)
                .join(Organization, Organization.id == Application.organization_id)
                .where(
                    ReviewAssignment.batch_id == batch.id,
                    ReviewAssignment.status == AssignmentStatus.active,
                )
            )
        ).all()
        experts, _ = await load_experts(db, batch)
    problems = []
    pairs = Counter((expert_id, app_id) for expert_id, app_id, _ in rows)
    problems += [f"duplicate live assignment {pair}" for pair, n in pairs.items() if n > 1]
    per_app = Counter(app_id for _, app_id, _ in rows)
    problems += [
        f"application {app} has {n} experts"
        for app, n in per_app.items()
        if n > batch.reviewers_per_application
    ]
    per_expert = Counter(expert_id for expert_id, _, _ in rows)
    problems += [
        f"expert {e} holds {n}"
        for e, n in per_expert.items()
        if n > batch.max_assignments_per_expert
    ]
    for expert_id, app_id, org in rows:
        rule = algorithm.conflict_rule(
            experts[expert_id], org.id, algorithm.group_key(org.enterprise_group)
        )
        if rule is not None:
            problems.append(f"expert {expert_id} reviews {app_id} despite {rule.value}")
    return problems


def _draw(admin: httpx.AsyncClient, batch_id: object) -> Coroutine[Any, Any, httpx.Response]:
    return admin.post(f"/api/v1/batches/{batch_id}/assignment-draws", json={})


async def test_draws_manual_picks_and_new_conflicts_at_once_keep_the_rules(
    committing_app: Committing, client_for: ClientFor
) -> None:
    _, sessions = committing_app
    for _ in range(ROUNDS):
        async with sessions() as db, db.begin():
            world = await reviewing_world(db)
        admin = await client_for(world.admin.email)
        free3 = await client_for(world.experts["free3"].email)
        batch_id = world.batch.id

        calls = [
            *(_draw(admin, batch_id) for _ in range(DRAWS)),
            # the same hand-made pick, sent several times
            *(
                admin.post(
                    "/api/v1/assignments",
                    json={
                        "application_id": str(world.apps["ic_c"].id),
                        "expert_id": str(world.experts["free2"].id),
                        "reason": "领域专长",
                    },
                )
                for _ in range(MANUAL_REPEATS)
            ),
            # an admin records a conflict, and an expert declares one, while the draws run
            admin.post(
                f"/api/v1/experts/{world.experts['free1'].id}/conflicts",
                json={"organization_id": str(world.orgs["b"].id), "reason": "近三年合作"},
            ),
            free3.post(
                "/api/v1/experts/me/conflicts",
                json={"organization_id": str(world.orgs["a"].id), "reason": "曾任顾问"},
            ),
        ]
        responses = await asyncio.gather(*calls)

        draws = responses[:DRAWS]
        manual = responses[DRAWS : DRAWS + MANUAL_REPEATS]
        conflicts = responses[DRAWS + MANUAL_REPEATS :]
        assert {r.status_code for r in draws} == {201}, [r.text for r in draws]
        assert [r.status_code for r in conflicts] == [201, 201], [r.text for r in conflicts]
        # the pick lands at most once; every other copy is refused cleanly, never a 500
        assert sum(r.status_code == 201 for r in manual) <= 1, [r.text for r in manual]
        for r in manual:
            assert r.status_code == 201 or r.headers["content-type"].startswith(
                "application/problem+json"
            ), r.text
            assert r.status_code < 500

        assert await _violations(committing_app, batch_id) == []

        async with sessions() as db:
            # one record and one audit entry per draw that answered
            stored = await db.scalar(
                select(func.count()).where(AssignmentDraw.batch_id == batch_id)
            )
            audited = await db.scalar(
                select(func.count()).where(
                    AuditEvent.action == "assignment.draw", AuditEvent.object_id == str(batch_id)
                )
            )
            assert stored == audited == DRAWS

        # a draw after the dust settles fills what the rules allow, and breaks nothing
        settle = await _draw(admin, batch_id)
        assert settle.status_code == 201, settle.text
        assert await _violations(committing_app, batch_id) == []
        again = await _draw(admin, batch_id)
        assert again.json()["assigned"] == 0


async def test_refused_manual_picks_are_problems(
    committing_app: Committing, client_for: ClientFor
) -> None:
    """The hand-made pick of an expert the applicant must avoid is a 409 problem naming the rule,
    also when sent many times at once."""
    async with committing_app[1]() as db, db.begin():
        world = await reviewing_world(db)
    admin = await client_for(world.admin.email)
    responses = await asyncio.gather(
        *(
            admin.post(
                "/api/v1/assignments",
                json={
                    "application_id": str(world.apps["ic_a"].id),
                    "expert_id": str(world.experts["at_a"].id),
                    "reason": "试图指派本单位专家",
                },
            )
            for _ in range(5)
        )
    )
    assert all(is_problem(r, 409, "expert_conflict") for r in responses), responses[0].text
    assert {r.json()["rule"] for r in responses} == {"employer"}
    assert await _violations(committing_app, world.batch.id) == []


async def test_an_expert_stepping_back_from_two_applications_at_once(
    committing_app: Committing, client_for: ClientFor
) -> None:
    """Each step back locks its assignment and then ends every other assignment the new conflict
    forbids — the other one included. Two at once must queue, not deadlock (a 500)."""
    async with committing_app[1]() as db, db.begin():
        world = await reviewing_world(db)
        expert = world.experts["free1"]
        await attest(db, world.batch, expert)
        first = await make_assignment(db, world.apps["ic_b"], expert)
        second = await make_assignment(db, world.apps["ic_c"], expert)
    client = await client_for(expert.email)
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/expert/assignments/{assignment.id}/declare-conflict",
                json={"reason": "与申报单位存在合作关系"},
            )
            for assignment in (first, second)
        )
    )
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    async with committing_app[1]() as db:
        statuses = set(
            await db.scalars(
                select(ReviewAssignment.status).where(
                    ReviewAssignment.id.in_([first.id, second.id])
                )
            )
        )
    assert statuses == {AssignmentStatus.conflict_declared}
