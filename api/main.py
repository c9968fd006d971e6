"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from api.agency.oversight_router import router as oversight_router
from api.agency.router import router as agency_router
from api.applications.router import router as applications_router
from api.attachments.router import router as attachments_router
from api.audit.router import router as audit_router
from api.auth.router import router as auth_router
from api.awards.router import router as awards_router
from api.batches.router import router as batches_router
from api.calendar.router import router as calendar_router
from api.catalogue.fastpath import CatalogueFastPath
from api.catalogue.router import router as catalogue_router
from api.config import Settings, get_settings
from api.db import database
from api.errors import PROBLEM_MEDIA_TYPE, FieldError, Problem, install_error_handlers
from api.experts.router import router as experts_router
from api.followup.router import router as followup_router
from api.frontend_app import mount_frontend
from api.logs import configure_logging
from api.middleware import RequestBodyGuard, RequestContextMiddleware
from api.notifications.router import router as notifications_router
from api.ops.router import router as ops_router
from api.organizations.router import router as organizations_router
from api.publicity.router import router as publicity_router
from api.review.router import router as review_router
from api.roadshows.router import router as roadshows_router
from api.startup_checks import check_production
from api.statistics.router import router as statistics_router
from api.taxonomy.router import router as taxonomy_router
from api.users.router import router as users_router
from api.webhooks.router import router as webhooks_router

API_PREFIX = "/api/v1"
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if settings.is_production:
        # `firstset serve` checks before it starts uvicorn; this covers any other way of
        # running the app factory.
        async with database.sessionmaker() as session:
            await check_production(settings, session)
    yield
    await database.dispose()


def _docs_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    openapi_url = app.openapi_url or "/api/openapi.json"

    @router.get("/api/docs")
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title="FirstSet API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon.png",
            # No badge from the public validator service: nothing leaves the machine.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @router.get("/api/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title="FirstSet API",
            redoc_js_url="/api/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/api/docs-assets/favicon.png",
            with_google_fonts=False,
        )

    @router.get("/api/docs-assets/redoc.standalone.js")
    async def redoc_js() -> Response:
        return Response(_local_redoc_bundle(), media_type="text/javascript")

    return router


@lru_cache(maxsize=1)
def _local_redoc_bundle() -> bytes:
    """ReDoc's bundle fetches its sidebar logo from a CDN; point it at a local file instead."""
    bundle = (DOCS_ASSETS / "redoc.standalone.js").read_bytes()
    return bundle.replace(
        b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"/api/docs-assets/favicon.png"
    )


FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _forms_without_null(schema: dict[str, Any]) -> None:
    """A form field is text or absent: it cannot carry JSON's null, which pydantic's optional
    fields document. Left in, it invites clients to send the text "null"."""
    components = schema.get("components", {}).get("schemas", {})
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media_type in FORM_MEDIA_TYPES:
                ref = content.get(media_type, {}).get("schema", {}).get("$ref", "")
                properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
                for name, field in properties.items():
                    branches = [b for b in field.get("anyOf", []) if b.get("type") != "null"]
                    if "anyOf" in field and len(branches) < len(field["anyOf"]):
                        rest = {k: v for k, v in field.items() if k != "anyOf"}
                        properties[name] = (
                            {**branches[0], **rest}
                            if len(branches) == 1
                            else {"anyOf": branches, **rest}
                        )


# Error answers documented in a shape of their own (OAuth's token errors, RFC 6749 §5.2).
OWN_ERROR_SCHEMAS = frozenset({"#/components/schemas/OAuthError"})


def _own_error_shape(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") in OWN_ERROR_SCHEMAS


def _problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Document every 4xx/5xx as problem+json (FastAPI's default 422 shape is never sent)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if "requestBody" in operation:
                    # A body that is not the declared media type at all (bytes that do not decode
                    # or parse) is refused before validation.
                    operation.setdefault("responses", {}).setdefault(
                        "400", {"description": "The request body could not be read."}
                    )
                for status, response in operation.get("responses", {}).items():
                    if status[0] in "45" and not _own_error_shape(response):
                        response["content"] = {PROBLEM_MEDIA_TYPE: problem}
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        _forms_without_null(schema)
        schemas.setdefault(
            "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        schemas.setdefault("FieldError", FieldError.model_json_schema())
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    return openapi


def create_app(
    settings: Settings | None = None, extra_routers: Sequence[APIRouter] = ()
) -> FastAPI:
    """`extra_routers` are mounted before the SPA fallback (tests use it)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="FirstSet API",
        summary="Beijing First (Set) of Major Technical Equipment — 首台(套)重大技术装备",
        version="1.0.0",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.openapi = _problem_openapi(app)  # type: ignore[method-assign]
    # Inside the request context: fast answers still get request ids, headers, logs, metrics.
    app.add_middleware(CatalogueFastPath)
    app.add_middleware(
        RequestBodyGuard,
        body_max_bytes=settings.request_body_max_bytes,
        upload_max_bytes=settings.attachment_max_bytes + settings.request_body_max_bytes,
        idle_timeout_s=settings.request_body_timeout_s,
    )
    app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.trusted_proxies)

    app.include_router(ops_router)
    for router in (
        catalogue_router,
        auth_router,
        users_router,
        organizations_router,
        audit_router,
        taxonomy_router,
        batches_router,
        applications_router,
        attachments_router,
        calendar_router,
        experts_router,
        review_router,
        publicity_router,
        awards_router,
        statistics_router,
        roadshows_router,
        followup_router,
        agency_router,
        oversight_router,
        webhooks_router,
        notifications_router,
        *extra_routers,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(_docs_router(app))
    app.mount("/api/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    mount_frontend(app, settings.frontend_dist)
    return app
