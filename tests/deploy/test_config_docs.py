"""docs/configuration.md is generated from the Settings class and kept up to date."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.config import ROOT_DIR, Settings
from api.config_docs import render_configuration_reference

DOCS = ROOT_DIR / "docs" / "configuration.md"


def test_committed_reference_is_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_configuration_reference(), (
        "docs/configuration.md is stale: run `.venv/bin/firstset config-docs`"
    )


def test_every_setting_is_described_and_documented() -> None:
    reference = render_configuration_reference()
    undescribed = [
        name
        for name, field in Settings.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert undescribed == [], "give these settings a description in api/config.py"
    for name in Settings.model_fields:
        assert f"| `{name.upper()}` |" in reference


def test_reference_names_no_path_of_the_machine_it_was_made_on() -> None:
    assert str(ROOT_DIR) not in render_configuration_reference()


def test_check_fails_on_a_stale_file_and_passes_once_written(tmp_path: Path) -> None:
    output = tmp_path / "configuration.md"
    output.write_text("# Configuration\n\nout of date\n", encoding="utf-8")
    runner = CliRunner()

    stale = runner.invoke(app, ["config-docs", "--check", "--output", str(output)])
    assert stale.exit_code == 1
    assert "out of date" in stale.output
    assert output.read_text(encoding="utf-8") == "# Configuration\n\nout of date\n"

    written = runner.invoke(app, ["config-docs", "--output", str(output)])
    assert written.exit_code == 0
    fresh = runner.invoke(app, ["config-docs", "--check", "--output", str(output)])
    assert fresh.exit_code == 0, fresh.output
