from __future__ import annotations

import json

from fastapi import FastAPI

from api.cli import openapi_document
from tests.dbutil import ROOT


def test_committed_openapi_document_is_current() -> None:
    committed = (ROOT / "frontend" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_document(), (
        "frontend/openapi.json is stale: run `firstset export-openapi` and regenerate the client"
    )


def test_operation_ids_follow_tag_name_convention(app: FastAPI) -> None:
    spec = app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            tag = operation["tags"][0]
            assert operation["operationId"].startswith(f"{tag}-"), (method, path)


def test_error_responses_are_documented_as_problems(app: FastAPI) -> None:
    spec = json.loads(json.dumps(app.openapi()))
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "application/problem+json" in login["429"]["content"]
