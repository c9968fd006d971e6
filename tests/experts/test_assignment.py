"""Draws, coverage, manual changes and declared conflicts over HTTP."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.experts import algorithm
from api.models import (
    ApplicationStatus,
    AssignmentStatus,
    AuditEvent,
    BatchStatus,
    ExpertConflict,
    ReviewAssignment,
)
from tests.experts.conftest import LoginAs
from tests.experts.helpers import active_pairs, reviewing_world
from tests.factories.experts import attest, make_assignment, make_expert


def reasons_of(entry: dict) -> dict[str, int]:
    return {r["code"]: r["count"] for r in entry["reasons"]}


async def test_a_draw_fills_applications_without_conflicts_and_reports_the_shortfall(
    db: AsyncSession, login_as: LoginAs
) -> None:
    world = await reviewing_world(db)
    admin = await login_as(world.admin)
    response = await admin.post(
        f"/api/v1/batches/{world.batch.id}/assignment-draws", json={"seed": 42}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["seed"] == 42
    assert body["per_application"] == 2
    assert body["cap_per_expert"] == 3
    assert body["applications_considered"] == 4
    assert body["assigned"] == 6  # three IC applications × 2

    pairs = await active_pairs(db, world.batch)
    assert len(pairs) == 6
    e, a = world.experts, world.apps
    forbidden = {
        (a["ic_a"].id, e["at_a"].id),  # employer
        (a["ic_c"].id, e["at_a"].id),  # same enterprise group as the employer
        (a["ic_b"].id, e["conflicted_b"].id),  # declared
    }
    assert not pairs & forbidden
    assert all(expert != e["away"].id for _, expert in pairs)
    loads: dict[uuid.UUID, int] = {}
    for _, expert in pairs:
        loads[expert] = loads.get(expert, 0) + 1
    assert max(loads.values()) <= 3

    # aerospace has no expert at all: the draw and the coverage say so
    (short,) = body["shortfalls"]
    assert short["application_id"] == str(a["air_b"].id)
    assert [r["code"] for r in short["reasons"]] == ["no_expert_in_field"]
    coverage = body["coverage"]
    assert coverage["applications_in_review"] == 4
    assert coverage["fully_covered"] == 3
    (entry,) = coverage["short"]
    assert entry["application_id"] == str(a["air_b"].id)
    assert entry["missing"] == 2
    assert entry["drawable_now"] == 0
    assert entry["reasons"][0]["zh"].startswith("该领域可抽取的专家不足")
    assert entry["reasons"][0]["en"].startswith("Not enough experts")

    await db.refresh(world.batch)
    assert world.batch.assignment_seed == 42
    sources = set(
        (
            await db.scalars(
                select(ReviewAssignment.source).where(ReviewAssignment.batch_id == world.batch.id)
            )
        ).all()
    )
    assert sources == {"draw"}
    audit = await db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "assignment.draw", AuditEvent.object_id == str(world.batch.id)
        )
    )
    assert audit is not None
    assert audit.changes["seed"]["after"] == 42


async def test_the_stored_draw_replays_with_its_seed(db: AsyncSession, login_as: LoginAs) -> None:
    world = await reviewing_world(db)
    admin = await login_as(world.admin)
    drawn = await admin.post(f"/api/v1/batches/{world.batch.id}/assignment-draws", json={})
    assert drawn.status_code == 201, drawn.text
    seed = drawn.json()["seed"]
    assert isinstance(seed, int)
    listed = await admin.get(f"/api/v1/batches/{world.batch.id}/assignment-draws")
    assert [d["id"] for d in listed.json()] == [drawn.json()["id"]]
    detail = (
        await admin.get(f"/api/v1/batches/{world.batch.id}/assignment-draws/{drawn.json()['id']}")
    ).json()
    apps, experts = algorithm.inputs_from_description(detail["inputs"])
    replay = algorithm.draw(apps, experts, cap=detail["cap_per_expert"], seed=seed)
    assert [[str(x), str(y)] for x, y in replay.pairs] == detail["pairs"]
    assert {(uuid.UUID(x), uuid.UUID(y)) for x, y in detail["pairs"]} == await active_pairs(
        db, world.batch
    )
    # a second draw has nothing left to fill but the aerospace application
    again = await admin.post(f"/api/v1/batches/{world.batch.id}/assignment-draws", json={})
    assert again.json()["assigned"] == 0
    assert again.json()["applications_considered"] == 1


async def test_the_same_seed_on_the_same_inputs_draws_the_same_experts(
    db: AsyncSession, login_as: LoginAs
) -> None:
    world = await reviewing_world(db)
    admin = await login_as(world.admin)
    first = await admin.post(f"/api/v1/batches/{world.batch.id}/assignment-draws", json={"seed": 7})
    first_pairs = await active_pairs(db, world.batch)
    # undo the draw (as a rolled-back transaction would) and draw again with the same seed
    rows = (
        await db.scalars(
            select(ReviewAssignment).where(ReviewAssignment.batch_id == world.batch.id)
        )
    ).all()
    for row in rows:
        await db.delete(row)
    await db.flush()
    second = await admin.post(
        f"/api/v1/batches/{world.batch.id}/assignment-draws", json={"seed": 7}
    )
    assert second.status_code == first.status_code == 201
    assert await active_pairs(db, world.batch) == first_pairs


async def test_a_draw_needs_a_batch_under_review(db: AsyncSession, login_as: LoginAs) -> None:
    world = await reviewing_world(db)
    world.batch.status = BatchStatus.deliberation
    await db.flush()
    admin = await login_as(world.admin)
    response = await admin.post(f"/api/v1/batches/{world.batch.id}/assignment-draws", json={})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"
    assert response.json()["current_state"] == "deliberation"
    bad_seed = await admin.post(
        f"/api/v1/batches/{world.batch.id}/assignment-draws", json={"seed": -1}
    )
    assert bad_seed.status_code == 422
    missing = await admin.post(f"/api/v1/batches/{uuid.uuid4()}/assignment-draws", json={})
    assert missing.status_code == 404


async def test_manual_add_is_refused_with_the_reason(db: AsyncSession, login_as: LoginAs) -> None:
    world = await reviewing_world(db, max_assignments_per_expert=1)
    admin = await login_as(world.admin)
    e, a = world.experts, world.apps

    async def add(app_key: str, expert_key: str) -> httpx.Response:
        return await admin.post(
            "/api/v1/assignments",
            json={
                "application_id": str(a[app_key].id),
                "expert_id": str(e[expert_key].id),
                "reason": "联席办指定",
            },
        )

    for app_key, expert_key, rule in (
        ("ic_a", "at_a", "employer"),
        ("ic_b", "conflicted_b", "declared"),
        ("ic_c", "at_a", "enterprise_group"),
    ):
        refused = await add(app_key, expert_key)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "expert_conflict"
        assert refused.json()["rule"] == rule
    away = await add("ic_a", "away")
    assert away.status_code == 409
    assert away.json()["code"] == "expert_unavailable"

    added = await add("ic_a", "free1")
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["source"] == "manual"
    assert body["reason"] == "联席办指定"
    assert body["status"] == "active"
    assert body["expert"]["user_id"] == str(e["free1"].id)
    assert (await add("ic_a", "free1")).json()["code"] == "duplicate"
    at_cap = await add("ic_b", "free1")
    assert at_cap.status_code == 409
    assert at_cap.json()["code"] == "expert_at_cap"
    assert at_cap.json()["cap"] == 1

    assert (await add("ic_a", "free2")).status_code == 201
    full = await add("ic_a", "free3")
    assert full.status_code == 409
    assert full.json()["code"] == "application_full"

    unknown = await admin.post(
        "/api/v1/assignments",
        json={"application_id": str(a["ic_a"].id), "expert_id": str(uuid.uuid4()), "reason": "x"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "expert_id"
    no_reason = await admin.post(
        "/api/v1/assignments",
        json={"application_id": str(a["ic_a"].id), "expert_id": str(e["free3"].id)},
    )
    assert no_reason.status_code == 422
    count = await db.scalar(select(func.count()).where(ReviewAssignment.batch_id == world.batch.id))
    assert count == 2  # the refusals wrote nothing


async def test_remove_with_a_reason_flags_the_application(
    db: AsyncSession, login_as: LoginAs
) -> None:
    world = await reviewing_world(db, reviewers_per_application=1)
    admin = await login_as(world.admin)
    app = world.apps["ic_b"]
    assignment = await make_assignment(db, app, world.experts["free1"])
    no_reason = await admin.post(f"/api/v1/assignments/{assignment.id}/remove", json={})
    assert no_reason.status_code == 422
    removed = await admin.post(
        f"/api/v1/assignments/{assignment.id}/remove", json={"reason": "专家身体原因"}
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["status"] == "removed"
    assert removed.json()["ended_reason"] == "专家身体原因"
    assert removed.json()["ended_at"] is not None
    again = await admin.post(
        f"/api/v1/assignments/{assignment.id}/remove", json={"reason": "again"}
    )
    assert again.status_code == 409
    assert again.json()["current_state"] == "removed"

    coverage = (await admin.get(f"/api/v1/batches/{world.batch.id}/coverage")).json()
    entry = next(s for s in coverage["short"] if s["application_id"] == str(app.id))
    assert entry["removed"] == 1
    assert entry["active_experts"] == 0
    assert reasons_of(entry)["awaiting_draw"] == 1

    # the admin list keeps the ended assignment
    listed = await admin.get("/api/v1/assignments", params={"application_id": str(app.id)})
    assert [i["status"] for i in listed.json()["items"]] == ["removed"]

    # a redraw never hands the application back to the removed expert
    for seed in range(5):
        await admin.post(f"/api/v1/batches/{world.batch.id}/assignment-draws", json={"seed": seed})
        assert (app.id, world.experts["free1"].id) not in await active_pairs(db, world.batch)


async def test_an_expert_declares_a_conflict(db: AsyncSession, login_as: LoginAs) -> None:
    world = await reviewing_world(db)
    admin = await login_as(world.admin)
    expert = world.experts["free1"]
    other = world.experts["free2"]
    await attest(db, world.batch, expert)
    mine = await make_assignment(db, world.apps["ic_b"], expert)
    same_org = await make_assignment(db, world.apps["air_b"], expert)
    elsewhere = await make_assignment(db, world.apps["ic_a"], expert)
    theirs = await make_assignment(db, world.apps["ic_b"], other)
    client = await login_as(expert)

    listed = (await client.get("/api/v1/expert/assignments")).json()["items"]
    assert {i["id"] for i in listed} == {str(mine.id), str(same_org.id), str(elsewhere.id)}

    not_mine = await client.post(
        f"/api/v1/expert/assignments/{theirs.id}/declare-conflict", json={"reason": "x"}
    )
    assert not_mine.status_code == 404
    declared = await client.post(
        f"/api/v1/expert/assignments/{mine.id}/declare-conflict",
        json={"reason": "曾在该单位任职"},
    )
    assert declared.status_code == 200, declared.text
    assert declared.json()["status"] == "conflict_declared"
    assert set(declared.json()) == {"id", "status", "ended_at"}

    # both assignments on the organisation's applications end; the unrelated one stays
    remaining = (await client.get("/api/v1/expert/assignments")).json()["items"]
    assert [i["id"] for i in remaining] == [str(elsewhere.id)]
    await db.refresh(same_org)
    assert same_org.status == AssignmentStatus.conflict_declared
    conflict = await db.scalar(
        select(ExpertConflict).where(
            ExpertConflict.expert_id == expert.id,
            ExpertConflict.organization_id == world.orgs["b"].id,
        )
    )
    assert conflict is not None
    assert conflict.reason == "曾在该单位任职"
    again = await client.post(
        f"/api/v1/expert/assignments/{mine.id}/declare-conflict", json={"reason": "x"}
    )
    assert again.status_code == 409

    coverage = (await admin.get(f"/api/v1/batches/{world.batch.id}/coverage")).json()
    entry = next(s for s in coverage["short"] if s["application_id"] == str(world.apps["ic_b"].id))
    assert entry["conflicts_declared"] == 1
    assert entry["active_experts"] == 1

    # the redraw fills it with someone else, never the expert who stepped back
    redraw = await admin.post(f"/api/v1/batches/{world.batch.id}/assignment-draws", json={})
    assert redraw.status_code == 201
    pairs = await active_pairs(db, world.batch)
    assert (world.apps["ic_b"].id, expert.id) not in pairs
    assert len([p for p in pairs if p[0] == world.apps["ic_b"].id]) == 2


async def test_a_conflict_recorded_later_ends_the_assignments_it_forbids(
    db: AsyncSession, login_as: LoginAs
) -> None:
    world = await reviewing_world(db)
    expert = world.experts["free3"]
    assignment = await make_assignment(db, world.apps["ic_c"], expert)
    admin = await login_as(world.admin)
    recorded = await admin.post(
        f"/api/v1/experts/{expert.id}/conflicts",
        json={"organization_id": str(world.orgs["a"].id), "reason": "兼任顾问"},
    )
    assert recorded.status_code == 201, recorded.text
    # org a is in org c's enterprise group, so the assignment on ic_c is now forbidden
    assert recorded.json()["ended_assignments"] == 1
    await db.refresh(assignment)
    assert assignment.status == AssignmentStatus.removed
    duplicate = await admin.post(
        f"/api/v1/experts/{expert.id}/conflicts",
        json={"organization_id": str(world.orgs["a"].id), "reason": "again"},
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "conflict_exists"


async def test_coverage_lists_active_assignments_that_break_the_rules(
    db: AsyncSession, login_as: LoginAs
) -> None:
    world = await reviewing_world(db)
    # the applicant joined the expert employer's group after the draw
    assignment = await make_assignment(db, world.apps["ic_b"], world.experts["at_a"])
    world.orgs["b"].enterprise_group = "华芯集团"
    await db.flush()
    admin = await login_as(world.admin)
    coverage = (await admin.get(f"/api/v1/batches/{world.batch.id}/coverage")).json()
    assert coverage["conflicted_assignments"] == [
        {
            "assignment_id": str(assignment.id),
            "application_id": str(world.apps["ic_b"].id),
            "expert_id": str(world.experts["at_a"].id),
            "rule": "enterprise_group",
        }
    ]


async def test_coverage_explains_conflicts_caps_and_unavailability(
    db: AsyncSession, login_as: LoginAs
) -> None:
    world = await reviewing_world(db, reviewers_per_application=5, max_assignments_per_expert=1)
    busy = await make_expert(db)
    other_app = world.apps["ic_a"]
    await make_assignment(db, other_app, busy)
    admin = await login_as(world.admin)
    coverage = (await admin.get(f"/api/v1/batches/{world.batch.id}/coverage")).json()
    entry = next(s for s in coverage["short"] if s["application_id"] == str(world.apps["ic_b"].id))
    reasons = reasons_of(entry)
    assert reasons["all_conflicted"] == 1  # conflicted_b
    assert reasons["unavailable"] == 1  # away
    assert reasons["all_at_cap"] == 1  # busy
    assert reasons["awaiting_draw"] == 4  # at_a, free1..3
    assert entry["drawable_now"] == 4
    assert all(r["zh"] and r["en"] for r in entry["reasons"])


async def test_admin_lists_assignments_with_filters(db: AsyncSession, login_as: LoginAs) -> None:
    world = await reviewing_world(db)
    first = await make_assignment(db, world.apps["ic_b"], world.experts["free1"])
    await make_assignment(
        db, world.apps["ic_a"], world.experts["free2"], status=AssignmentStatus.removed
    )
    admin = await login_as(world.admin)
    everything = await admin.get("/api/v1/assignments", params={"batch_id": str(world.batch.id)})
    assert everything.status_code == 200
    assert len(everything.json()["items"]) == 2
    by_expert = await admin.get(
        "/api/v1/assignments", params={"expert_id": str(world.experts["free1"].id)}
    )
    assert [i["id"] for i in by_expert.json()["items"]] == [str(first.id)]
    page = await admin.get(
        "/api/v1/assignments", params={"batch_id": str(world.batch.id), "limit": 1}
    )
    assert page.json()["next"]
    rest = await admin.get(
        "/api/v1/assignments",
        params={"batch_id": str(world.batch.id), "limit": 1, "cursor": page.json()["next"]},
    )
    assert len(rest.json()["items"]) == 1
    assert rest.json()["items"][0]["id"] != page.json()["items"][0]["id"]


async def test_manual_add_needs_an_application_in_review(
    db: AsyncSession, login_as: LoginAs
) -> None:
    world = await reviewing_world(db)
    app = world.apps["ic_b"]
    app.status = ApplicationStatus.reviewed
    await db.flush()
    admin = await login_as(world.admin)
    response = await admin.post(
        "/api/v1/assignments",
        json={
            "application_id": str(app.id),
            "expert_id": str(world.experts["free1"].id),
            "reason": "x",
        },
    )
    assert response.status_code == 409
    assert response.json()["current_state"] == "reviewed"
