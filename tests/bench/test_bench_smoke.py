"""The benchmark runner end to end on tiny data: every scenario runs and measures something
sane. The budgets themselves are checked by `make bench` on full-size data, not here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.runner import SMOKE, run
from tests import dbutil

pytestmark = [pytest.mark.xdist_group("bench"), pytest.mark.timeout(240)]

BUDGETS = {"B1", "B1w", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9"}


def test_every_scenario_runs_on_tiny_data(tmp_path: Path) -> None:
    if not shutil.which("wrk"):
        pytest.fail("wrk is not installed (scripts/setup.sh --test installs it)")
    out = tmp_path / "smoke.json"
    report = run(SMOKE, dbutil.server_url(), out=out, prefix=f"firstset_bench_{dbutil._RUN}")

    assert out.is_file()
    rows = report["rows"]
    assert {r["budget"] for r in rows} == BUDGETS
    for row in rows:
        assert row["measured"] > 0 or row["unit"] == "MB", row
        if row["reference"] is not None:
            assert row["reference"] > 0, row
        for side in ("subject", "reference"):
            if side in row["details"]:
                assert row["details"][side]["errors"] == 0, row
    mixed = next(r for r in rows if r["budget"] == "B9")["details"]
    assert mixed["unexpected"] == 0
    assert mixed["socket_errors"] == 0
    assert mixed["pool_timeouts"] == 0
    assert all(v > 0 for v in mixed["latency_ms"].values())
    assert sum(mixed["statuses"].values()) > 0
