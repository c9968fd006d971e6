"""The SPA's own source never turns text into markup or code: Vue's text interpolation escapes
whatever a record holds (tests/e2e/test_hostile_rendering.py shows it in Chromium), and nothing
here goes around it. A new raw-HTML sink (v-html, innerHTML, Element Plus's
dangerouslyUseHTMLString, eval…) fails this test until it is reviewed and listed."""

from __future__ import annotations

import re

from tests.dbutil import ROOT

SOURCE = ROOT / "frontend" / "src"
SINKS = re.compile(
    r"v-html|\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write|"
    r"dangerouslyUseHTMLString|\beval\s*\(|new\s+Function\s*\(|srcdoc"
)
# "path: reason" for a sink that was reviewed and is safe; none so far.
REVIEWED: dict[str, str] = {}


def test_no_raw_html_or_code_sinks_in_the_spa() -> None:
    assert SOURCE.is_dir(), "no frontend source in this checkout"
    found = []
    for path in sorted(SOURCE.rglob("*")):
        if path.suffix not in {".vue", ".ts", ".js"} or not path.is_file():
            continue
        relative = str(path.relative_to(ROOT))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if SINKS.search(line) and relative not in REVIEWED:
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "raw HTML or code sinks in the SPA:\n" + "\n".join(found)
