from __future__ import annotations

import re

import httpx
from fastapi import FastAPI


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}


async def test_request_id_is_generated_or_echoed(client: httpx.AsyncClient) -> None:
    generated = (await client.get("/healthz")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-12345678"})
    assert echoed.headers["x-request-id"] == "abc-12345678"
    # an unsafe value is replaced, not echoed into logs and headers
    injected = await client.get("/healthz", headers={"X-Request-ID": "x\ty"})
    assert injected.headers["x-request-id"] != "x\ty"


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1][:30]


async def test_hsts_only_over_https(app: FastAPI) -> None:
    for scheme, expected in (("https", "max-age=31536000; includeSubDomains"), ("http", None)):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"{scheme}://testserver") as c:
            response = await c.get("/healthz")
        assert response.headers.get("strict-transport-security") == expected, scheme
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/taxonomy/districts")
    body = (await client.get("/metrics")).text
    assert re.search(
        r'firstset_http_requests_total\{method="GET",route="/api/v1/taxonomy/districts",'
        r'status="200"\} [1-9]',
        body,
    )
    assert "firstset_http_request_duration_seconds_bucket" in body


async def test_docs_use_local_assets_only(client: httpx.AsyncClient) -> None:
    for path in ("/api/docs", "/api/redoc"):
        html = (await client.get(path)).text
        urls = re.findall(r'(?:src|href)=["\']([^"\']+)', html)
        assert urls, path
        assert all(u.startswith("/") for u in urls), urls
        assert "fonts.googleapis" not in html
        assert "cdn.jsdelivr" not in html
    assert (await client.get("/api/docs-assets/swagger-ui-bundle.js")).status_code == 200
    assert (await client.get("/api/docs-assets/redoc.standalone.js")).status_code == 200
    spec = (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")


async def test_districts_are_public_and_cacheable(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/taxonomy/districts")
    districts = response.json()
    assert len(districts) == 16
    assert {"code": "haidian", "name_zh": "海淀区", "name_en": "Haidian"} in districts
    assert response.headers["cache-control"].startswith("public")


async def test_public_reads_answer_304_to_a_matching_etag(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/taxonomy", "/api/v1/taxonomy/districts", "/api/v1/batches"):
        first = await client.get(path)
        assert first.status_code == 200
        etag = first.headers["etag"]
        again = await client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b""
        assert again.headers["etag"] == etag
        changed = await client.get(path, headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200
