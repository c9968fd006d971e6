"""Production refuses to start on demo secrets, debug logging, a loopback public address or
without a usable signing key, and says which."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.demo import DEMO_CLIENT_SECRET
from api.awards import signing
from api.config import DEMO_PASSWORD, Settings, get_settings
from api.main import create_app
from api.startup_checks import UnsafeProductionConfig, check_production, settings_problems

GOOD = {
    "environment": "production",
    "public_base_url": "https://firstset.example.cn",
    "log_level": "INFO",
    "smtp_password": "a-real-smtp-secret",
    "database_url": "postgresql://firstset:a-real-db-secret@db.example.cn:5432/firstset",
}


def production(**changes: object) -> Settings:
    return Settings.model_validate({**GOOD, **changes})


@pytest.fixture
def production_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    """The process's own settings in production, with an empty signing-key directory: the key
    lookup reads them, as it does when certificates are issued."""
    with monkeypatch.context() as patch:
        patch.setenv("ENVIRONMENT", "production")
        patch.setenv("SIGNING_KEY_DIR", str(tmp_path / "keys"))
        patch.setenv("PUBLIC_BASE_URL", GOOD["public_base_url"])
        get_settings.cache_clear()
        yield get_settings()
    get_settings.cache_clear()


def test_correct_settings_have_no_problem() -> None:
    assert settings_problems(production()) == []


@pytest.mark.parametrize("secret", [DEMO_PASSWORD, DEMO_CLIENT_SECRET])
def test_demo_smtp_password_is_refused(secret: str) -> None:
    (problem,) = settings_problems(production(smtp_password=secret))
    assert problem.startswith("SMTP_PASSWORD is a published demo secret")


def test_demo_password_in_the_database_url_is_refused() -> None:
    url = f"postgresql://firstset:{DEMO_PASSWORD}@db.example.cn/firstset"
    (problem,) = settings_problems(production(database_url=url))
    assert problem.startswith("the password in DATABASE_URL is a published demo secret")
    assert DEMO_PASSWORD not in problem


def test_demo_password_in_the_redis_url_is_refused() -> None:
    url = f"redis://:{DEMO_CLIENT_SECRET}@redis.example.cn:6379/0"
    (problem,) = settings_problems(production(redis_url=url))
    assert problem.startswith("the password in REDIS_URL is a published demo secret")


@pytest.mark.parametrize("level", ["DEBUG", "debug", "NOTSET"])
def test_debug_logging_is_refused(level: str) -> None:
    (problem,) = settings_problems(production(log_level=level))
    assert problem.startswith(f"LOG_LEVEL is {level}")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "https://127.0.1.1",
        "http://[::1]:8000",
        "http://0.0.0.0:8000",
        "not a url",
    ],
)
def test_a_public_address_of_the_machine_itself_is_refused(url: str) -> None:
    (problem,) = settings_problems(production(public_base_url=url))
    assert problem.startswith("PUBLIC_BASE_URL is ")


async def test_no_signing_key_is_refused_and_none_is_made(
    production_settings: Settings, db: AsyncSession
) -> None:
    with pytest.raises(UnsafeProductionConfig) as refused:
        await check_production(production_settings, db)
    (problem,) = refused.value.problems
    assert "No usable certificate-signing key" in problem
    assert "firstset rotate-signing-key" in problem
    assert production_settings.signing_key_dir is not None
    assert not production_settings.signing_key_dir.exists()


async def test_every_problem_is_listed_at_once(
    production_settings: Settings, db: AsyncSession
) -> None:
    settings = production_settings.model_copy(
        update={
            "smtp_password": DEMO_PASSWORD,
            "log_level": "DEBUG",
            "public_base_url": "http://127.0.0.1:8000",
        }
    )
    with pytest.raises(UnsafeProductionConfig) as refused:
        await check_production(settings, db)
    message = str(refused.value)
    assert message.startswith("refusing to start with ENVIRONMENT=production:")
    assert len(refused.value.problems) == 4
    for name in ("SMTP_PASSWORD", "LOG_LEVEL", "PUBLIC_BASE_URL", "signing key"):
        assert name in message


async def test_a_correct_production_config_passes(
    production_settings: Settings, db: AsyncSession
) -> None:
    await signing.rotate_signing_key(db)
    await check_production(production_settings, db)


async def test_nothing_is_checked_outside_production(db: AsyncSession) -> None:
    await check_production(Settings(smtp_password=DEMO_PASSWORD, log_level="DEBUG"), db)


async def test_the_app_refuses_to_start_in_production(
    production_settings: Settings, db: AsyncSession
) -> None:
    app: FastAPI = create_app(production_settings)
    with pytest.raises(UnsafeProductionConfig, match="No usable certificate-signing key"):
        async with app.router.lifespan_context(app):
            pass
