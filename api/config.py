"""Settings, read once from the environment (and `.env`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parent.parent

DEMO_PASSWORD = "FirstSet-demo-2021"  # noqa: S105 - documented demo login, refused in production


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Field(
        Environment.development,
        description="development, test or production. Production refuses to start with demo "
        "secrets, debug logging, a loopback PUBLIC_BASE_URL or no usable signing key, and "
        "never makes a signing key by itself.",
    )
    database_url: str | None = Field(
        None,
        description="PostgreSQL URL (postgresql://user@host:port/db). "
        "Unset: an embedded PostgreSQL is started with its data under var/.",
    )
    var_dir: Path = Field(
        ROOT_DIR / "var",
        description="Local state: stored files (files/, with the local storage backend), "
        "signing keys (keys/), "
        "e-mail written without SMTP (mail/) and the embedded PostgreSQL (pgdata/). "
        "Keep it on a persistent volume.",
    )
    redis_url: str | None = Field(
        None, description="Redis URL for shared rate-limit counters; unset keeps them in memory."
    )
    frontend_dist: Path = Field(
        ROOT_DIR / "frontend" / "dist", description="Built SPA served at /."
    )
    db_pool_size: int = Field(10, description="Connections per API process.")
    db_connect_timeout_s: float = Field(
        2.0, description="Give up connecting to PostgreSQL after this many seconds."
    )
    db_statement_timeout_ms: int = Field(15_000, description="Per-statement timeout.")
    db_pool_timeout_s: float = Field(
        10.0,
        gt=0,
        description="How long a request waits for a free pooled connection before it is "
        "answered 503.",
    )
    database_read_url: str | None = Field(
        None,
        description="PostgreSQL URL for the public catalogue's reads, e.g. a streaming replica "
        "(pages may then lag the primary by the replica's delay). Unset: the primary "
        "(DATABASE_URL), through a pool of its own.",
    )
    db_read_pool_size: int = Field(
        10, ge=1, description="Connections per API process for the public catalogue's reads."
    )
    db_public_statement_timeout_ms: int = Field(
        3_000,
        gt=0,
        description="Statement timeout of the public catalogue's reads; a slower one is "
        "answered 503 rather than holding a connection.",
    )
    catalogue_version_ttl_ms: int = Field(
        1000,
        ge=0,
        le=1000,
        description="How long an API process reuses the catalogue version it read (the key of "
        "its cached catalogue pages): a change made through another process shows there at "
        "most this long after it commits. 0 reads the version on every request.",
    )
    catalogue_cache_entries: int = Field(
        1024,
        ge=0,
        description="Catalogue responses (list pages, facets, details) each API process keeps "
        "in memory, least recently used first out; 0 turns the cache off.",
    )

    session_cookie_name: str = Field(
        "firstset_session", description="Name of the HttpOnly cookie holding the session token."
    )
    csrf_cookie_name: str = Field(
        "csrf_token",
        description="Name of the cookie whose value unsafe requests echo in X-CSRF-Token.",
    )
    session_idle_timeout_minutes: int = Field(
        120, description="A session unused this long expires."
    )
    session_absolute_timeout_hours: int = Field(
        12, description="A session expires this long after login whatever its use."
    )
    cookie_secure: bool | None = Field(
        None, description="Force the Secure cookie flag; unset: Secure when the request is https."
    )
    login_limit_per_account: str = Field(
        "7/15 minutes",
        description="Failed logins, and wrong current passwords at a password change, allowed "
        "per account (limits syntax).",
    )
    login_limit_per_ip: str = Field(
        "30/15 minutes", description="Failed logins allowed per client IP (limits syntax)."
    )
    password_reset_limit_per_ip: str = Field(
        "10/hour",
        description="Password-reset requests accepted per client IP, whatever the address "
        "asked for (limits syntax).",
    )
    password_reset_limit_per_account: str = Field(
        "3/hour",
        description="Password-reset requests accepted per e-mail address, known or not "
        "(limits syntax).",
    )
    password_reset_ttl_minutes: int = Field(
        30, ge=1, description="A password-reset link works this long after it was sent."
    )
    registration_limit_per_ip: str = Field(
        "20/hour",
        description="Enterprise registrations tried per client IP (limits syntax); every "
        "attempt the server checks counts, accepted or refused.",
    )
    objection_limit_per_ip: str = Field(
        "5/hour", description="Publicity objections accepted per client IP (limits syntax)."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses whose X-Forwarded-For is believed for the client IP.",
    )
    request_body_max_bytes: int = Field(
        1024 * 1024,
        gt=0,
        description="Largest request body other than a file upload (JSON, forms), in bytes "
        "(1 MiB); larger ones are refused with 413. Uploads are bounded by ATTACHMENT_MAX_BYTES.",
    )
    request_body_timeout_s: float = Field(
        30,
        gt=0,
        description="Seconds a request body may pause between two chunks before the request is "
        "answered 408 and its connection closed.",
    )
    request_header_timeout_s: float = Field(
        15,
        gt=0,
        description="Seconds a client has, from connecting or from starting a request, to send "
        "the request line and headers (`firstset serve`); slower ones get 408 and are "
        "disconnected, so trickling headers cannot hold connections open.",
    )
    log_level: str = Field(
        "INFO",
        description="Root log level (DEBUG, INFO, WARNING, ERROR); DEBUG is refused in production.",
    )
    log_json: bool = Field(True, description="JSON logs (structlog); false for console output.")
    load_demo_in_production: bool = Field(
        False, description="Allow `firstset load-demo` when environment=production."
    )
    storage_backend: Literal["local", "s3"] = Field(
        "local",
        description="Where attachment and certificate-PDF bytes live (content-addressed by "
        "sha256): `local` under var_dir/files, `s3` in the S3-compatible bucket S3_BUCKET "
        "(needed once API processes run on more than one host without a shared volume).",
    )
    s3_bucket: str | None = Field(
        None, description="Bucket of the s3 storage backend; required with STORAGE_BACKEND=s3."
    )
    s3_prefix: str = Field(
        "",
        description="Key prefix inside the bucket, e.g. `firstset/files/`, so the bucket can "
        "hold other things; under it keys are laid out as under var_dir/files (ab/cd/<sha256>). "
        "Empty: the bucket's root.",
    )
    s3_endpoint_url: str | None = Field(
        None,
        description="Endpoint of an S3-compatible service (MinIO, Ceph, a cloud's object "
        "storage), e.g. `https://objects.example.cn:9000`; unset: Amazon S3.",
    )
    s3_region: str | None = Field(
        None, description="Region of the bucket (signs the requests); unset: the SDK's default."
    )
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        "auto",
        description="`path` (endpoint/bucket/key) for services without per-bucket host names, "
        "as many self-hosted ones are; `virtual` (bucket.endpoint/key); `auto` lets the SDK "
        "choose.",
    )
    s3_access_key_id: str | None = Field(
        None,
        description="Access key id for the bucket; required in production with "
        "STORAGE_BACKEND=s3 (elsewhere unset leaves the SDK's own credential lookup).",
    )
    s3_secret_access_key: SecretStr | None = Field(
        None, description="Secret access key belonging to S3_ACCESS_KEY_ID."
    )
    attachment_max_bytes: int = Field(
        20 * 1024 * 1024, gt=0, description="Largest attachment accepted, in bytes (20 MiB)."
    )
    agency_token_lifetime_s: int = Field(
        900, gt=0, le=86_400, description="Lifetime of an agency bearer token, in seconds."
    )
    agency_default_rate_limit_per_minute: int = Field(
        600, gt=0, description="Requests per minute a new agency client may make by default."
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public address of the site, printed on certificates (verification QR code).",
    )
    signing_key_dir: Path | None = Field(
        None,
        description="Where the certificate-signing private keys (<key_id>.pem, mode 0600) "
        "live; unset: var_dir/keys.",
    )

    webhook_timeout_s: float = Field(
        10.0, gt=0, description="A webhook receiver must answer within this many seconds."
    )
    webhook_max_attempts: int = Field(
        10, ge=1, description="Attempts of a webhook delivery before it is marked failed."
    )
    webhook_backoff_s: float = Field(
        60.0,
        gt=0,
        description="Wait after a delivery's first failed attempt; it doubles after each one "
        "(1, 2, 4 … 256 minutes with the defaults: 10 attempts over about 8.5 hours).",
    )
    webhook_disable_after_s: float = Field(
        86_400.0,
        gt=0,
        description="A subscription whose deliveries keep failing this long is disabled.",
    )
    webhook_poll_s: float = Field(
        2.0, gt=0, description="How often the worker looks for new events and due deliveries."
    )
    webhook_private_destinations: bool | None = Field(
        None,
        description="Whether webhook deliveries may reach loopback, private, link-local and "
        "other non-public addresses (checked on every address the host resolves to); unset: "
        "allowed outside production, where receivers run locally, refused in production.",
    )

    job_stalled_after_s: float = Field(
        60.0,
        ge=3,
        description="A background job whose worker has sent no heartbeat for this many seconds "
        "(killed, or cut off from the database) is run again by another worker; heartbeats go "
        "out three times as often.",
    )
    job_retention_hours: int = Field(
        168,
        ge=1,
        description="Finished job rows of the queue are deleted this many hours after they "
        "finished (the webhook delivery log keeps its own history).",
    )

    smtp_host: str | None = Field(
        None, description="SMTP server for notification e-mail; unset: written to var_dir/mail."
    )
    smtp_port: int = Field(587, gt=0, lt=65536, description="SMTP server port.")
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        "starttls", description="none, starttls (upgrade a plain connection) or tls (implicit)."
    )
    smtp_username: str | None = Field(None, description="SMTP login; unset: no AUTH.")
    smtp_password: str | None = Field(None, description="SMTP password.")
    smtp_timeout_s: float = Field(30.0, gt=0, description="Give up on the SMTP server after this.")
    mail_from: str = Field(
        "北京市首台套 FirstSet <no-reply@firstset.localhost>",
        description="From header of notification e-mail (a name and an address).",
    )
    mail_max_attempts: int = Field(
        8, ge=1, description="Attempts of an e-mail before it is marked failed."
    )
    mail_backoff_s: float = Field(
        60.0, gt=0, description="Wait after an e-mail's first failed attempt; doubles each time."
    )
    mail_poll_s: float = Field(
        5.0, gt=0, description="How often the worker turns new events into notifications."
    )
    mail_digest_hour: int = Field(
        8,
        ge=0,
        le=23,
        description="Hour of the day (Beijing time) the daily digest e-mails go out to those "
        "who chose a digest.",
    )

    @model_validator(mode="after")
    def _normalise(self) -> Settings:
        self.var_dir = self.var_dir.resolve()
        if self.signing_key_dir is None:
            self.signing_key_dir = self.var_dir / "keys"
        # One way to write a prefix, so that keys never start with or contain "//".
        prefix = self.s3_prefix.strip("/")
        self.s3_prefix = prefix + "/" if prefix else ""
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.production


@lru_cache
def get_settings() -> Settings:
    return Settings()
