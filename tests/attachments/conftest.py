from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from api.config import get_settings
from api.storage import LocalStorage, get_storage

SMALL_LIMIT = 4096


@pytest.fixture
def storage_root(tmp_path: Path) -> Path:
    # Deep enough that a file name climbing two levels would still land inside tmp_path.
    return tmp_path / "var" / "state" / "files"


@pytest.fixture
def storage(app: FastAPI, storage_root: Path) -> Iterator[LocalStorage]:
    store = LocalStorage(storage_root)
    app.dependency_overrides[get_storage] = lambda: store
    yield store
    app.dependency_overrides.pop(get_storage, None)


@pytest.fixture
def small_limit(app: FastAPI) -> Iterator[int]:
    """`attachment_max_bytes` of a few KiB for the size tests."""
    settings = get_settings().model_copy(update={"attachment_max_bytes": SMALL_LIMIT})
    app.dependency_overrides[get_settings] = lambda: settings
    yield SMALL_LIMIT
    app.dependency_overrides.pop(get_settings, None)
