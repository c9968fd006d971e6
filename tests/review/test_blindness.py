"""Blind review: nothing an expert can call carries another expert's scores, comment or
identity (docs/review.md). Expert A calls every GET route of the app — including those other
domains add for experts — and every scoring route; B's values must appear in none."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import Review
from tests.review.conftest import LoginAs
from tests.review.helpers import (
    criteria_scores,
    make_panel,
    make_review_batch,
    review_url,
    save,
    score_and_submit,
)

B_SCORES = ("3.3", "17.7")
B_TOTAL = "38.7"  # 3.3×1 + 17.7×2
B_COMMENT = "乙专家的机密意见-XYZZY"


def _values(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value)
    else:
        yield node


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def leaks(response: httpx.Response, secrets: list[str], numbers: set[Decimal]) -> list[str]:
    text = response.text
    found = [s for s in secrets if s.lower() in text.lower()]
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return found
    for value in _values(body):
        number = _as_number(value)
        if number is not None and number in numbers:
            found.append(f"number {value!r}")
    return found


def get_paths(app: FastAPI) -> list[str]:
    paths = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and "GET" in route.methods and route.include_in_schema:
            paths.append(ctx.path_format or "")
    return paths


async def test_expert_responses_never_carry_another_experts_review(
    app: FastAPI, db: AsyncSession, login_as: LoginAs
) -> None:
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=3)
    a, b, _ = panel.experts
    a_assignment, b_assignment, c_assignment = panel.assignments
    client_a = await login_as(a)
    client_b = await login_as(b)

    # B writes a draft first, then submits; A works alongside
    draft_b = await save(
        client_b, b_assignment, {"scores": criteria_scores(criteria, list(B_SCORES))}
    )
    assert draft_b.status_code == 200
    seen: list[httpx.Response] = [await client_a.get(review_url(a_assignment))]
    submitted_b = await score_and_submit(
        client_b,
        b_assignment,
        criteria_scores(criteria, list(B_SCORES)),
        recommendation="not_recommend",
        comment=B_COMMENT,
    )
    assert submitted_b.status_code == 200, submitted_b.text
    b_review = await db.scalar(select(Review).where(Review.assignment_id == b_assignment.id))
    assert b_review is not None

    seen.append(await save(client_a, a_assignment, {"scores": criteria_scores(criteria, [6, 12])}))
    seen.append(await client_a.post(review_url(a_assignment) + "/submit"))  # 422: incomplete
    seen.append(await score_and_submit(client_a, a_assignment, criteria_scores(criteria, [6, 12])))
    seen.append(await client_a.put(review_url(a_assignment), json={}))  # 409 locked
    # B's own assignment, poked at by A
    for method in ("GET", "PUT", "POST"):
        url = review_url(b_assignment) + ("/submit" if method == "POST" else "")
        seen.append(await client_a.request(method, url, json={} if method != "GET" else None))

    # every GET route of the application, with A's context in its path
    known = {
        "assignment_id": a_assignment.id,
        "application_id": panel.application.id,
        "batch_id": batch.id,
        "expert_id": a.id,
        "user_id": a.id,
    }
    for path in get_paths(app):
        url = re.sub(r"\{([^}]+)\}", lambda m: str(known.get(m.group(1), uuid.uuid4())), path)
        seen.append(await client_a.get(url))

    secrets = [
        str(b.id),
        b.email,
        b.display_name,
        B_COMMENT,
        str(b_review.id),
        str(b_assignment.id),
        str(c_assignment.id),
        str(panel.experts[2].id),
        panel.experts[2].email,
    ]
    numbers = {Decimal(s) for s in (*B_SCORES, B_TOTAL)}
    leaked = {
        f"{r.request.method} {r.request.url.path} → {r.status_code}": found
        for r in seen
        if (found := leaks(r, secrets, numbers))
    }
    assert not leaked, leaked
    # the crawl really reached A's own review, so the check looked at real bodies
    assert any(
        r.request.url.path == review_url(a_assignment) and r.status_code == 200 for r in seen
    )
    assert len(seen) > 20


async def test_the_leak_detector_finds_what_it_looks_for(
    db: AsyncSession, login_as: LoginAs
) -> None:
    """Guards the test above: B's own response does carry B's comment and total."""
    batch, criteria = await make_review_batch(db)
    panel = await make_panel(db, batch, experts=1)
    b = panel.experts[0]
    client_b = await login_as(b)
    response = await score_and_submit(
        client_b,
        panel.assignments[0],
        criteria_scores(criteria, list(B_SCORES)),
        comment=B_COMMENT,
    )
    assert response.status_code == 200
    own = leaks(response, [B_COMMENT], {Decimal(B_TOTAL)})
    assert B_COMMENT in own
    assert "number '38.70'" in own
