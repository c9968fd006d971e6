"""The assignment draw as a pure function: no database, no clock, no global randomness.

Given the same applications, experts, limits and seed it returns the same draw, so an auditor can
replay a stored draw from its recorded inputs. Experts and applications are ordered by id before
anything random happens; the only randomness is one `random.Random(seed)`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


def group_key(name: str | None) -> str | None:
    """Enterprise-group names are typed by hand; compare them without case or outer spaces."""
    if name is None:
        return None
    key = " ".join(name.split()).casefold()
    return key or None


@dataclass(frozen=True, slots=True)
class ApplicationInput:
    id: uuid.UUID
    field: str | None
    organization_id: uuid.UUID
    group: str | None  # group_key of the applicant organisation's enterprise group
    needed: int  # experts still to draw (reviewers per application − active ones)
    # Experts never to draw for it again: active on it now, or once removed from it.
    excluded: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True, slots=True)
class ExpertInput:
    id: uuid.UUID
    fields: frozenset[str]
    employer_id: uuid.UUID | None
    conflict_org_ids: frozenset[uuid.UUID]
    # group_keys of the employer's and of every declared-conflict organisation's group.
    groups: frozenset[str]
    load: int  # active assignments in this batch
    available: bool = True


class ConflictRule(StrEnum):
    employer = "employer"
    declared = "declared"
    enterprise_group = "enterprise_group"


def conflict_rule(
    expert: ExpertInput, organization_id: uuid.UUID, group: str | None
) -> ConflictRule | None:
    """Which avoidance (回避) rule forbids the pair, if any."""
    if expert.employer_id is not None and expert.employer_id == organization_id:
        return ConflictRule.employer
    if organization_id in expert.conflict_org_ids:
        return ConflictRule.declared
    if group is not None and group in expert.groups:
        return ConflictRule.enterprise_group
    return None


class Shortfall(StrEnum):
    no_expert_in_field = "no_expert_in_field"
    all_conflicted = "all_conflicted"
    unavailable = "unavailable"
    all_at_cap = "all_at_cap"


SHORTFALL_TEXT: dict[Shortfall, tuple[str, str]] = {
    Shortfall.no_expert_in_field: (
        "该领域可抽取的专家不足（共 {n} 名）",
        "Not enough experts in the field ({n} in all)",
    ),
    Shortfall.all_conflicted: (
        "该领域有 {n} 名专家须回避",
        "{n} expert(s) of the field have a conflict of interest",
    ),
    Shortfall.unavailable: (
        "该领域有 {n} 名专家本批次不可参加评审",
        "{n} expert(s) of the field are unavailable for this batch",
    ),
    Shortfall.all_at_cap: (
        "该领域有 {n} 名专家已达评审数量上限",
        "{n} expert(s) of the field have reached the assignment cap",
    ),
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: Shortfall
    count: int

    @property
    def zh(self) -> str:
        return SHORTFALL_TEXT[self.code][0].format(n=self.count)

    @property
    def en(self) -> str:
        return SHORTFALL_TEXT[self.code][1].format(n=self.count)


@dataclass(frozen=True, slots=True)
class ApplicationOutcome:
    application_id: uuid.UUID
    needed: int
    drawn: tuple[uuid.UUID, ...]
    reasons: tuple[Reason, ...]  # empty unless short

    @property
    def missing(self) -> int:
        return self.needed - len(self.drawn)


@dataclass(frozen=True, slots=True)
class Draw:
    seed: int
    pairs: tuple[tuple[uuid.UUID, uuid.UUID], ...]  # (application id, expert id)
    outcomes: tuple[ApplicationOutcome, ...]
    loads: Mapping[uuid.UUID, int] = field(default_factory=dict)

    @property
    def shortfalls(self) -> tuple[ApplicationOutcome, ...]:
        return tuple(o for o in self.outcomes if o.missing > 0)


@dataclass(slots=True)
class _Tally:
    in_field: int = 0
    conflicted: int = 0
    unavailable: int = 0
    at_cap: int = 0


def _candidates(
    application: ApplicationInput,
    experts: Sequence[ExpertInput],
    loads: Mapping[uuid.UUID, int],
    cap: int,
) -> tuple[list[ExpertInput], _Tally]:
    """The experts that may be drawn for the application now, and why the others may not.

    An expert blocked for several reasons is counted once, under the first of conflict,
    unavailability and the cap — the order an admin would fix them in."""
    tally = _Tally()
    eligible = []
    for expert in experts:
        if application.field is None or application.field not in expert.fields:
            continue
        if expert.id in application.excluded:
            continue
        tally.in_field += 1
        if conflict_rule(expert, application.organization_id, application.group):
            tally.conflicted += 1
        elif not expert.available:
            tally.unavailable += 1
        elif loads[expert.id] >= cap:
            tally.at_cap += 1
        else:
            eligible.append(expert)
    return eligible, tally


def _reasons(needed: int, tally: _Tally) -> tuple[Reason, ...]:
    reasons = []
    if tally.in_field < needed:
        reasons.append(Reason(Shortfall.no_expert_in_field, tally.in_field))
    for code, count in (
        (Shortfall.all_conflicted, tally.conflicted),
        (Shortfall.unavailable, tally.unavailable),
        (Shortfall.all_at_cap, tally.at_cap),
    ):
        if count:
            reasons.append(Reason(code, count))
    return tuple(reasons)


def _sorted(
    applications: Iterable[ApplicationInput], experts: Iterable[ExpertInput]
) -> tuple[list[ApplicationInput], list[ExpertInput]]:
    return sorted(applications, key=lambda a: a.id), sorted(experts, key=lambda e: e.id)


def draw(
    applications: Iterable[ApplicationInput],
    experts: Iterable[ExpertInput],
    *,
    cap: int,
    seed: int,
) -> Draw:
    """Fill each application (in id order) with its `needed` experts: least-loaded first among
    those in its field, available, free of conflict and under `cap`; ties broken at random."""
    apps, pool = _sorted(applications, experts)
    rng = random.Random(seed)  # noqa: S311 - reproducible by design; the seed is secret-drawn
    loads = {e.id: e.load for e in pool}
    pairs: list[tuple[uuid.UUID, uuid.UUID]] = []
    outcomes = []
    for application in apps:
        if application.needed <= 0:
            continue
        eligible, tally = _candidates(application, pool, loads, cap)
        rng.shuffle(eligible)
        eligible.sort(key=lambda e: loads[e.id])  # stable: the shuffle breaks load ties
        chosen = tuple(e.id for e in eligible[: application.needed])
        for expert_id in chosen:
            loads[expert_id] += 1
            pairs.append((application.id, expert_id))
        reasons = _reasons(application.needed, tally) if len(chosen) < application.needed else ()
        outcomes.append(ApplicationOutcome(application.id, application.needed, chosen, reasons))
    return Draw(seed=seed, pairs=tuple(pairs), outcomes=tuple(outcomes), loads=loads)


def coverage(
    applications: Iterable[ApplicationInput], experts: Iterable[ExpertInput], *, cap: int
) -> dict[uuid.UUID, tuple[int, tuple[Reason, ...]]]:
    """For each application still short: how many experts a draw could add right now, and what
    blocks the rest. Nothing is drawn, so each application sees the current loads."""
    apps, pool = _sorted(applications, experts)
    loads = {e.id: e.load for e in pool}
    result = {}
    for application in apps:
        if application.needed <= 0:
            continue
        eligible, tally = _candidates(application, pool, loads, cap)
        drawable = min(len(eligible), application.needed)
        reasons = _reasons(application.needed, tally) if drawable < application.needed else ()
        result[application.id] = (drawable, reasons)
    return result


def describe_inputs(
    applications: Iterable[ApplicationInput], experts: Iterable[ExpertInput]
) -> dict[str, Any]:
    """The inputs as JSON, stored with the draw so it can be replayed."""
    apps, pool = _sorted(applications, experts)
    return {
        "applications": [
            {
                "id": str(a.id),
                "field": a.field,
                "organization_id": str(a.organization_id),
                "group": a.group,
                "needed": a.needed,
                "excluded": sorted(str(e) for e in a.excluded),
            }
            for a in apps
        ],
        "experts": [
            {
                "id": str(e.id),
                "fields": sorted(e.fields),
                "employer_id": str(e.employer_id) if e.employer_id else None,
                "conflict_org_ids": sorted(str(o) for o in e.conflict_org_ids),
                "groups": sorted(e.groups),
                "load": e.load,
                "available": e.available,
            }
            for e in pool
        ],
    }


def inputs_from_description(
    data: Mapping[str, Any],
) -> tuple[list[ApplicationInput], list[ExpertInput]]:
    """The inverse of `describe_inputs`: replays a stored draw."""
    apps = [
        ApplicationInput(
            id=uuid.UUID(a["id"]),
            field=a["field"],
            organization_id=uuid.UUID(a["organization_id"]),
            group=a["group"],
            needed=int(a["needed"]),
            excluded=frozenset(uuid.UUID(x) for x in a["excluded"]),
        )
        for a in data["applications"]
    ]
    experts = [
        ExpertInput(
            id=uuid.UUID(e["id"]),
            fields=frozenset(e["fields"]),
            employer_id=uuid.UUID(e["employer_id"]) if e["employer_id"] else None,
            conflict_org_ids=frozenset(uuid.UUID(x) for x in e["conflict_org_ids"]),
            groups=frozenset(e["groups"]),
            load=int(e["load"]),
            available=bool(e["available"]),
        )
        for e in data["experts"]
    ]
    return apps, experts
