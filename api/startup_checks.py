"""What a production process checks before it serves or works: no published demo secret, no
debug logging, a real public address, a bucket and credentials when files go to an object
store, and a certificate-signing key it can use.

Every problem is collected before refusing, so an operator fixes them all in one go rather than
one restart at a time."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from api.agency.demo import DEMO_CLIENT_SECRET
from api.awards import signing
from api.config import DEMO_PASSWORD, Settings, get_settings

# Published in the README and the demo data: anyone may try them.
DEMO_SECRETS = frozenset({DEMO_PASSWORD, DEMO_CLIENT_SECRET})
# NOTSET on the root logger lets everything through, DEBUG included.
DEBUG_LEVELS = frozenset({"DEBUG", "NOTSET"})


class UnsafeProductionConfig(RuntimeError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"refusing to start with ENVIRONMENT=production:\n{listed}\n"
            "Every setting is described in docs/configuration.md."
        )


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password
    except ValueError:
        return None


def _is_local_host(host: str | None) -> bool:
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def settings_problems(settings: Settings) -> list[str]:
    """What is wrong with `settings` for production, judged from the settings alone."""
    problems = []
    s3_secret = settings.s3_secret_access_key
    secrets = {
        "SMTP_PASSWORD": settings.smtp_password,
        "the password in DATABASE_URL": _url_password(settings.database_url),
        "the password in REDIS_URL": _url_password(settings.redis_url),
        "S3_SECRET_ACCESS_KEY": s3_secret.get_secret_value() if s3_secret else None,
    }
    for name, value in secrets.items():
        if value in DEMO_SECRETS:
            problems.append(f"{name} is a published demo secret; choose a secret of your own")
    if settings.log_level.strip().upper() in DEBUG_LEVELS:
        problems.append(
            f"LOG_LEVEL is {settings.log_level}: debug logs may carry personal data and "
            "tokens; use INFO or higher"
        )
    if _is_local_host(urlsplit(settings.public_base_url).hostname):
        problems.append(
            f"PUBLIC_BASE_URL is {settings.public_base_url}: certificates would print a "
            "verification address nobody else can open; set the site's public address"
        )
    problems.extend(_storage_problems(settings))
    return problems


def _storage_problems(settings: Settings) -> list[str]:
    if settings.storage_backend != "s3":
        return []
    problems = []
    if not settings.s3_bucket:
        problems.append(
            "STORAGE_BACKEND is s3 but S3_BUCKET is not set: uploads would have nowhere to go"
        )
    if not (settings.s3_access_key_id and settings.s3_secret_access_key):
        # Checked here rather than on the first upload, which would fail in front of a user.
        problems.append(
            "STORAGE_BACKEND is s3 but S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are not both "
            "set; give the object store's credentials"
        )
    return problems


async def signing_key_problem(session: AsyncSession) -> str | None:
    """Why no certificate could be signed now, or None when the active key is usable."""
    if not get_settings().is_production:
        # Outside production active_key() makes a missing key, which a check must never do.
        raise RuntimeError("the signing key is checked only with production settings")
    try:
        await signing.active_key(session)
    except signing.SigningKeyUnavailable as exc:
        return exc.detail
    except (SQLAlchemyError, OSError) as exc:
        return (
            f"could not look up the signing key ({type(exc).__name__}): is the database "
            "reachable and migrated (`firstset migrate`)?"
        )
    return None


async def check_production(settings: Settings, session: AsyncSession) -> None:
    """Raise UnsafeProductionConfig listing every problem; nothing to check outside production.
    The signing key is looked up with the process's settings, as certificates are issued."""
    if not settings.is_production:
        return
    problems = settings_problems(settings)
    key_problem = await signing_key_problem(session)
    if key_problem is not None:
        problems.append(key_problem)
    if problems:
        raise UnsafeProductionConfig(problems)
