"""Fixtures of the hostile-input tests: a blob store of the test's own, deep inside tmp_path, so
that a file written anywhere else in tmp_path is a file that escaped it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.storage import LocalStorage, get_storage


@pytest.fixture
def storage(app: FastAPI, tmp_path: Path) -> Iterator[LocalStorage]:
    store = LocalStorage(tmp_path / "var" / "state" / "files")
    app.dependency_overrides[get_storage] = lambda: store
    yield store
    app.dependency_overrides.pop(get_storage, None)


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_problem(response: httpx.Response, *statuses: int) -> dict[str, object]:
    """A clean refusal: one of `statuses` (any 4xx when none given), as problem+json."""
    if statuses:
        assert response.status_code in statuses, response.text
    else:
        assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body["code"], str)
    return body
