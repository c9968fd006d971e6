"""`python -m bench`: the performance budgets (docs/performance.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bench.runner import FULL, SMOKE, default_out, run

app = typer.Typer(add_completion=False)


@app.command()
def main(
    smoke: Annotated[bool, typer.Option(help="Tiny data, ~1 s a scenario (the test).")] = False,
    server: Annotated[
        str, typer.Option(help="A PostgreSQL server where the run may create databases.")
    ] = "postgresql://postgres@127.0.0.1:5432/postgres",
    only: Annotated[list[str] | None, typer.Option(help="Run only these budgets.")] = None,
    out: Annotated[Path | None, typer.Option(help="JSON results (default: dated file).")] = None,
) -> None:
    plan = SMOKE if smoke else FULL
    report = run(plan, server, only, out or (None if smoke else default_out()))
    failed = [r for r in report["rows"] if not r["passed"]]
    typer.echo(f"{len(report['rows']) - len(failed)} passed, {len(failed)} failed "
               f"in {report['seconds']} s")  # fmt: skip


if __name__ == "__main__":
    app()
