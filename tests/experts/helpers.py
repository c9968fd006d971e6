"""A batch under review with applications and an expert pool, for the HTTP tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Batch,
    BatchStatus,
    ExpertAvailability,
    Organization,
    ReviewAssignment,
    Role,
    User,
)
from tests.factories.applications import make_application, make_batch
from tests.factories.experts import make_expert
from tests.factories.identity import make_org, make_user


@dataclass
class World:
    batch: Batch
    admin: User
    orgs: dict[str, Organization] = field(default_factory=dict)
    apps: dict[str, Application] = field(default_factory=dict)
    experts: dict[str, User] = field(default_factory=dict)


async def reviewing_world(db: AsyncSession, **batch_overrides: Any) -> World:
    """Group 华芯集团 holds org `a` and org `c`; `b` stands alone.

    applications: ic_a (IC, org a), ic_b (IC, org b), ic_c (IC, org c), air_b (aerospace, b)
    experts (all IC): at_a (employer a), free1, free2, free3, conflicted_b (declared b),
    away (unavailable for the batch). Nobody reviews aerospace.
    """
    values: dict[str, Any] = {"reviewers_per_application": 2, "max_assignments_per_expert": 3}
    values.update(batch_overrides)
    batch = await make_batch(db, status=BatchStatus.reviewing, **values)
    world = World(batch=batch, admin=await make_user(db, Role.admin))
    world.orgs["a"] = await make_org(db)
    world.orgs["b"] = await make_org(db)
    world.orgs["c"] = await make_org(db)
    world.orgs["a"].enterprise_group = "华芯集团"
    world.orgs["c"].enterprise_group = " 华芯集团"
    for name, org, product_field in (
        ("ic_a", "a", "integrated_circuits"),
        ("ic_b", "b", "integrated_circuits"),
        ("ic_c", "c", "integrated_circuits"),
        ("air_b", "b", "aerospace"),
    ):
        world.apps[name] = await make_application(
            db,
            world.orgs[org],
            batch,
            status=ApplicationStatus.in_review,
            field=product_field,
        )
    world.experts["at_a"] = await make_expert(db, employer=world.orgs["a"])
    for name in ("free1", "free2", "free3", "away"):
        world.experts[name] = await make_expert(db)
    world.experts["conflicted_b"] = await make_expert(db, conflicts=[world.orgs["b"]])
    db.add(
        ExpertAvailability(
            batch_id=batch.id, expert_id=world.experts["away"].id, available=False, note="出差"
        )
    )
    await db.flush()
    return world


async def active_pairs(db: AsyncSession, batch: Batch) -> set[tuple[Any, Any]]:
    rows = await db.execute(
        select(ReviewAssignment.application_id, ReviewAssignment.expert_id).where(
            ReviewAssignment.batch_id == batch.id,
            ReviewAssignment.status == AssignmentStatus.active,
        )
    )
    return {(a, e) for a, e in rows.all()}
