"""Checks of our own for the schemathesis run, loaded through SCHEMATHESIS_HOOKS."""

from __future__ import annotations

import json
from typing import get_args

import schemathesis
from pydantic_core.core_schema import ErrorType

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
    undocumented = [e for e in errors if e.get("code") in PYDANTIC_CODES]
    if undocumented:
        raise AssertionError(
            "schema-valid input refused by a constraint the schema does not state: "
            + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in undocumented)
        )
    if not errors and problem.get("code") in (None, "validation_error"):
        raise AssertionError("a 422 for schema-valid input names no field and no domain code")
    return None
