"""Properties of the pure assignment draw (api/experts/algorithm.py)."""

from __future__ import annotations

import random
import uuid
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from api.experts import algorithm
from api.experts.algorithm import ApplicationInput, ConflictRule, ExpertInput, Shortfall

FIELDS = ("integrated_circuits", "aerospace", "transport")
ORGS = [uuid.UUID(int=i + 1) for i in range(8)]
# Organisations 0–2 form one enterprise group, 3–4 another; the rest stand alone.
GROUP_OF = {ORGS[0]: "Group A", ORGS[1]: "group a ", ORGS[2]: "GROUP  A", ORGS[3]: "B集团"}
GROUP_OF[ORGS[4]] = "b集团"


def org_group(org: uuid.UUID | None) -> str | None:
    return algorithm.group_key(GROUP_OF.get(org)) if org else None


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[ApplicationInput], list[ExpertInput], int, int]:
    cap = draw(st.integers(1, 5))
    expert_ids = draw(st.lists(st.uuids(), min_size=0, max_size=14, unique=True))
    experts = []
    for expert_id in expert_ids:
        employer = draw(st.sampled_from([None, *ORGS]))
        conflicts = frozenset(draw(st.lists(st.sampled_from(ORGS), max_size=3)))
        groups = {g for g in (org_group(o) for o in (employer, *conflicts)) if g}
        experts.append(
            ExpertInput(
                id=expert_id,
                fields=frozenset(draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=2))),
                employer_id=employer,
                conflict_org_ids=conflicts,
                groups=frozenset(groups),
                load=draw(st.integers(0, cap + 1)),
                available=draw(st.booleans()),
            )
        )
    app_ids = draw(st.lists(st.uuids(), min_size=0, max_size=10, unique=True))
    applications = []
    for app_id in app_ids:
        org = draw(st.sampled_from(ORGS))
        excluded = (
            frozenset(draw(st.lists(st.sampled_from(expert_ids), max_size=2)))
            if expert_ids
            else frozenset()
        )
        applications.append(
            ApplicationInput(
                id=app_id,
                field=draw(st.sampled_from([*FIELDS, None])),
                organization_id=org,
                group=org_group(org),
                needed=draw(st.integers(0, 5)),
                excluded=excluded,
            )
        )
    seed = draw(st.integers(0, 2**63 - 1))
    return applications, experts, cap, seed


def conflicted(expert: ExpertInput, app: ApplicationInput) -> bool:
    """The avoidance rules, restated independently of the implementation."""
    if app.organization_id == expert.employer_id or app.organization_id in expert.conflict_org_ids:
        return True
    app_group = GROUP_OF.get(app.organization_id)
    related = [expert.employer_id, *expert.conflict_org_ids]
    return app_group is not None and any(
        " ".join((GROUP_OF.get(o) or "").split()).casefold()
        == " ".join(app_group.split()).casefold()
        for o in related
        if o in GROUP_OF
    )


@settings(max_examples=300, deadline=None, database=None)
@given(scenarios())
def test_never_a_conflicted_unavailable_or_out_of_field_expert(
    scenario: tuple[list[ApplicationInput], list[ExpertInput], int, int],
) -> None:
    applications, experts, cap, seed = scenario
    result = algorithm.draw(applications, experts, cap=cap, seed=seed)
    apps = {a.id: a for a in applications}
    pool = {e.id: e for e in experts}
    for app_id, expert_id in result.pairs:
        app, expert = apps[app_id], pool[expert_id]
        assert not conflicted(expert, app)
        assert algorithm.conflict_rule(expert, app.organization_id, app.group) is None
        assert expert.available
        assert app.field in expert.fields
        assert expert_id not in app.excluded


@settings(max_examples=300, deadline=None, database=None)
@given(scenarios())
def test_load_stays_under_the_cap_and_applications_get_at_most_n_distinct_experts(
    scenario: tuple[list[ApplicationInput], list[ExpertInput], int, int],
) -> None:
    applications, experts, cap, seed = scenario
    result = algorithm.draw(applications, experts, cap=cap, seed=seed)
    drawn_per_expert = Counter(e for _, e in result.pairs)
    for expert in experts:
        if drawn_per_expert[expert.id]:
            assert expert.load + drawn_per_expert[expert.id] <= cap
        assert result.loads[expert.id] == expert.load + drawn_per_expert[expert.id]
    per_app: dict[uuid.UUID, list[uuid.UUID]] = {}
    for app_id, expert_id in result.pairs:
        per_app.setdefault(app_id, []).append(expert_id)
    for app in applications:
        drawn = per_app.get(app.id, [])
        assert len(drawn) == len(set(drawn))
        assert len(drawn) <= max(app.needed, 0)
    assert len(result.pairs) == len(set(result.pairs))


@settings(max_examples=200, deadline=None, database=None)
@given(scenarios())
def test_a_short_application_says_why_and_a_full_one_says_nothing(
    scenario: tuple[list[ApplicationInput], list[ExpertInput], int, int],
) -> None:
    applications, experts, cap, seed = scenario
    result = algorithm.draw(applications, experts, cap=cap, seed=seed)
    for outcome in result.outcomes:
        if outcome.missing:
            assert outcome.reasons
            for reason in outcome.reasons:
                assert reason.zh
                assert reason.en
                assert str(reason.count) in reason.en
        else:
            assert outcome.reasons == ()


@settings(max_examples=200, deadline=None, database=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_same_seed_reproduces_the_draw_whatever_the_input_order(
    scenario: tuple[list[ApplicationInput], list[ExpertInput], int, int], shuffler: random.Random
) -> None:
    applications, experts, cap, seed = scenario
    first = algorithm.draw(applications, experts, cap=cap, seed=seed)
    shuffled_apps, shuffled_experts = list(applications), list(experts)
    shuffler.shuffle(shuffled_apps)
    shuffler.shuffle(shuffled_experts)
    again = algorithm.draw(shuffled_apps, shuffled_experts, cap=cap, seed=seed)
    assert again.pairs == first.pairs
    assert again.outcomes == first.outcomes


@settings(max_examples=100, deadline=None, database=None)
@given(scenarios())
def test_stored_inputs_replay_the_draw(
    scenario: tuple[list[ApplicationInput], list[ExpertInput], int, int],
) -> None:
    applications, experts, cap, seed = scenario
    stored = algorithm.describe_inputs(applications, experts)
    replayed_apps, replayed_experts = algorithm.inputs_from_description(stored)
    assert algorithm.draw(replayed_apps, replayed_experts, cap=cap, seed=seed).pairs == (
        algorithm.draw(applications, experts, cap=cap, seed=seed).pairs
    )


def _tied_pool(n: int = 12) -> tuple[list[ApplicationInput], list[ExpertInput]]:
    experts = [
        ExpertInput(
            id=uuid.UUID(int=1000 + i),
            fields=frozenset({"aerospace"}),
            employer_id=None,
            conflict_org_ids=frozenset(),
            groups=frozenset(),
            load=0,
        )
        for i in range(n)
    ]
    apps = [
        ApplicationInput(
            id=uuid.UUID(int=1 + i),
            field="aerospace",
            organization_id=ORGS[7],
            group=None,
            needed=3,
        )
        for i in range(2)
    ]
    return apps, experts


def test_different_seeds_usually_differ() -> None:
    apps, experts = _tied_pool()
    draws = {algorithm.draw(apps, experts, cap=5, seed=seed).pairs for seed in range(20)}
    assert len(draws) >= 15


def test_least_loaded_first() -> None:
    apps, experts = _tied_pool(6)
    loads = [3, 0, 2, 0, 1, 4]
    experts = [
        ExpertInput(e.id, e.fields, None, frozenset(), frozenset(), load)
        for e, load in zip(experts, loads, strict=True)
    ]
    result = algorithm.draw(apps[:1], experts, cap=5, seed=7)
    chosen = {e for _, e in result.pairs}
    # loads 0, 0 and 1 go first, whatever the seed
    assert chosen == {experts[1].id, experts[3].id, experts[4].id}


def test_load_spreads_across_applications() -> None:
    apps, experts = _tied_pool(6)
    result = algorithm.draw(apps, experts, cap=5, seed=3)
    # two applications × 3 experts over 6 equally loaded experts: each gets exactly one
    assert sorted(Counter(e for _, e in result.pairs).values()) == [1] * 6


def test_group_conflict_matches_names_loosely() -> None:
    expert = ExpertInput(
        id=uuid.uuid4(),
        fields=frozenset({"aerospace"}),
        employer_id=ORGS[0],
        conflict_org_ids=frozenset({ORGS[5]}),
        groups=frozenset({algorithm.group_key("  Group   A ") or ""}),
        load=0,
    )
    assert algorithm.conflict_rule(expert, ORGS[0], None) is ConflictRule.employer
    assert algorithm.conflict_rule(expert, ORGS[5], None) is ConflictRule.declared
    assert algorithm.conflict_rule(expert, ORGS[2], algorithm.group_key("group a"))
    assert algorithm.conflict_rule(expert, ORGS[6], algorithm.group_key("group b")) is None
    assert algorithm.group_key("   ") is None


def test_shortfall_reasons_name_each_blocker() -> None:
    org = ORGS[6]
    base = {"fields": frozenset({"transport"}), "conflict_org_ids": frozenset()}
    experts = [
        ExpertInput(id=uuid.UUID(int=201), employer_id=org, groups=frozenset(), load=0, **base),
        ExpertInput(
            id=uuid.UUID(int=202),
            employer_id=None,
            groups=frozenset(),
            load=0,
            available=False,
            **base,
        ),
        ExpertInput(id=uuid.UUID(int=203), employer_id=None, groups=frozenset(), load=2, **base),
        ExpertInput(id=uuid.UUID(int=204), employer_id=None, groups=frozenset(), load=0, **base),
    ]
    app = ApplicationInput(
        id=uuid.UUID(int=9), field="transport", organization_id=org, group=None, needed=5
    )
    result = algorithm.draw([app], experts, cap=2, seed=1)
    (outcome,) = result.shortfalls
    assert outcome.drawn == (uuid.UUID(int=204),)
    assert {r.code: r.count for r in outcome.reasons} == {
        Shortfall.no_expert_in_field: 4,
        Shortfall.all_conflicted: 1,
        Shortfall.unavailable: 1,
        Shortfall.all_at_cap: 1,
    }
    nobody = ApplicationInput(
        id=uuid.UUID(int=10), field="aerospace", organization_id=org, group=None, needed=2
    )
    (empty,) = algorithm.draw([nobody], experts, cap=2, seed=1).shortfalls
    assert [r.code for r in empty.reasons] == [Shortfall.no_expert_in_field]
    assert empty.reasons[0].zh == "该领域可抽取的专家不足（共 0 名）"
