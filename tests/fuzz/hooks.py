"""A check and a hook of our own for the schemathesis runs, loaded through SCHEMATHESIS_HOOKS."""

from __future__ import annotations

import json
import os
import uuid
from typing import get_args

import schemathesis
from pydantic_core.core_schema import ErrorType
from schemathesis.generation.meta import TestPhase

# What pydantic calls its own refusals: the schema states those constraints, so schema-valid
# input must never meet one. Domain refusals carry codes of their own (unknown_field, …).
PYDANTIC_CODES = frozenset(get_args(ErrorType))


@schemathesis.check
def schema_valid_input_passes_validation(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        problem = json.loads(response.content)
        errors = problem.get("errors") or []
    except (ValueError, AttributeError):
        raise AssertionError("a 422 without a problem+json body") from None
    carried = _carried_over(case)
    undocumented = [
        e for e in errors if e.get("code") in PYDANTIC_CODES and e.get("field") not in carried
    ]
    if undocumented:
        raise AssertionError(
            "schema-valid input refused by a constraint the schema does not state: "
            + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in undocumented)
        )
    if not errors and problem.get("code") in (None, "validation_error"):
        raise AssertionError("a 422 for schema-valid input names no field and no domain code")
    return None


def _carried_over(case: schemathesis.Case) -> set[str]:
    """Parameters filled with a value taken from another answer (a link of the stateful phase,
    a draw from the pool of seen resources), not generated from this operation's schema: a
    link inferred from a like-named field may carry a value of another kind (the `client_id`
    "demo-agency" of a client list into `/agency/clients/{client_id}`, which takes its id)."""
    meta = case.meta
    assert meta is not None
    carried = {draw.parameter_name for draw in meta.pool_draws}
    if meta.phase.name == TestPhase.STATEFUL:
        carried |= set(case.path_parameters or {})
    return carried


@schemathesis.hook
def before_call(ctx: schemathesis.HookContext, case: schemathesis.Case, **kwargs: object) -> None:
    """Keep an authenticated run's writes off its own account (FUZZ_OWN_USER_ID): deactivating
    it, changing its roles or revoking its sessions would end the run's session mid-run."""
    own = os.environ.get("FUZZ_OWN_USER_ID")
    if own and case.method != "GET" and (case.path_parameters or {}).get("user_id") == own:
        case.path_parameters = {**(case.path_parameters or {}), "user_id": str(uuid.uuid4())}
