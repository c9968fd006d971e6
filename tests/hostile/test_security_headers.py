"""The Content-Security-Policy that stops stored script (XSS) from running even if it slipped into
a page: no inline or eval'd script, no plugins, no framing (clickjacking), no <base> hijack —
on the SPA's pages, API answers and problem documents alike."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import get_settings


def directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def assert_strict(header: str) -> None:
    policy = directives(header)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, header
    for loose in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "blob:"):
        assert loose not in scripts, f"script-src allows {loose}: {header}"
    assert not [s for s in scripts if s.startswith(("http:", "https:"))], header
    assert policy.get("object-src") == ["'none'"], header
    assert policy.get("frame-ancestors") in (["'none'"], ["'self'"]), header
    assert policy.get("base-uri") in (["'self'"], ["'none'"]), header
    assert "default-src" in policy


PAGES = {
    "spa-home": "/",
    "spa-public-route": "/catalogue",
    "api-json": "/api/v1/batches",
    "api-problem": "/api/v1/applications",  # 401 problem+json
    "api-not-found": "/api/v1/no-such-thing",
    "openapi": "/api/openapi.json",
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
async def test_content_security_policy_forbids_inline_script_plugins_and_framing(
    db: AsyncSession, client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code < 500
    assert_strict(response.headers["content-security-policy"])
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


async def test_the_spa_needs_no_inline_script(client: httpx.AsyncClient) -> None:
    """The strict policy costs the SPA nothing: its HTML loads scripts from files only, and
    carries no inline event handler or javascript: URL that the policy would block."""
    # The test command builds the SPA first (scripts/setup.sh --test): missing, it is a failure.
    assert (get_settings().frontend_dist / "index.html").exists(), "the frontend is not built"
    html = (await client.get("/")).text
    assert "<script" in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert all(
        not body.strip() for body in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    )
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html.lower()
