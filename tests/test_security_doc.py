"""docs/security.md points at the tests that prove its claims: every `tests/….py` and
`tests/….py::name` it names must exist, so a renamed or removed test cannot leave the threat
model or the ASVS mapping pointing at nothing."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"

# `tests/a/b.py`, `tests/a/b.py::test_x`, `tests/a/b.py::TestClass::test_x`, `…::test_x[param]`.
REFERENCE = re.compile(
    r"(?P<path>tests/[\w/]+\.py)(?P<names>(?:::[A-Za-z_]\w*(?:\[[^\]\s`|]*\])?)*)"
)
ASVS_ID = re.compile(r"^V\d+\.\d+\.\d+( \(L3\))?$")


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def references(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each reference as (path, names), names without their `[parameters]`."""
    found = []
    for match in REFERENCE.finditer(text):
        names = tuple(re.sub(r"\[.*\]$", "", name) for name in match["names"].split("::") if name)
        found.append((match["path"], names))
    return found


@cache
def definitions(path: str) -> frozenset[str]:
    """`name` for every module-level function and class, and `Class::name` for every method."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    names: set[str] = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}::{sub.name}" for sub in node.body if isinstance(sub, functions)
            )
    return frozenset(names)


def section(text: str, heading: str) -> str:
    """The body of the section whose heading line is `heading`, up to the next heading of the
    same or a higher level."""
    level = heading.split(" ", 1)[0]
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next(
        (
            i
            for i in range(start, len(lines))
            if re.match(r"#+ ", lines[i]) and len(lines[i].split(" ", 1)[0]) <= len(level)
        ),
        len(lines),
    )
    return "\n".join(lines[start:end])


def table_rows(body: str, first_header: str) -> list[list[str]]:
    """The body rows of the first Markdown table whose first header cell is `first_header`."""
    lines = body.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def test_every_reference_names_an_existing_file_and_test() -> None:
    found = references(doc_text())
    assert found, "docs/security.md names no test"
    problems = []
    for path, names in found:
        if not (ROOT / path).is_file():
            problems.append(f"{path}: no such file")
            continue
        if names and "::".join(names) not in definitions(path):
            problems.append(f"{path}::{'::'.join(names)}: no such test in the file")
    assert not problems, "docs/security.md points at tests that do not exist:\n" + "\n".join(
        sorted(set(problems))
    )


def test_every_asvs_row_names_a_test() -> None:
    rows = table_rows(section(doc_text(), "## OWASP ASVS 5.0 level 2"), "Requirement")
    assert rows, "the ASVS table is empty"
    ids = [row[0] for row in rows]
    assert all(ASVS_ID.match(i) for i in ids), [i for i in ids if not ASVS_ID.match(i)]
    assert len(set(ids)) == len(ids), "a requirement is listed twice"
    untested = [row[0] for row in rows if len(row) != 4 or not references(row[-1])]
    assert not untested, f"ASVS rows without a test: {untested}"


def test_every_threat_row_names_a_test() -> None:
    rows = table_rows(section(doc_text(), "### Threats, controls and tests"), "#")
    assert rows, "the threat table is empty"
    untested = [row[0] for row in rows if not references(row[-1])]
    assert not untested, f"threats without a test: {untested}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("`tests/a/test_b.py`", [("tests/a/test_b.py", ())]),
        ("`tests/a/test_b.py::test_c`", [("tests/a/test_b.py", ("test_c",))]),
        ("`tests/a/test_b.py::TestC::test_d`", [("tests/a/test_b.py", ("TestC", "test_d"))]),
        ("`tests/a/test_b.py::test_c[x-1]`, x", [("tests/a/test_b.py", ("test_c",))]),
        ("no reference here", []),
    ],
)
def test_references_are_parsed(text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    assert references(text) == expected
