"""Database engine and the per-request session.

The request owns the transaction: `get_session` commits when the route returns and rolls back
when it raises. Services only `flush()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.config import Settings, get_settings


def resolve_database_url(settings: Settings | None = None) -> str:
    """The configured `postgresql://` URL, or the embedded server's when none is set."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    from api.embedded_pg import server_uri

    return server_uri(settings.var_dir / "pgdata")


def with_driver(url: str, driver: str = "asyncpg") -> URL:
    """Accept the usual `postgresql://` form and pick the driver ourselves."""
    parsed = make_url(url)
    return parsed.set(drivername=f"postgresql+{driver}")


# SQLSTATEs of a server that is shutting down, crashed or still starting, and the connection
# exception class: the database is away, not the request wrong.
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def _server_unavailable(context: ExceptionContext) -> None:
    """asyncpg's "the database system is starting up" reaches SQLAlchemy as a plain DBAPIError,
    which would be answered 500 for as long as a restarting server takes to accept connections.
    Marked as a disconnect, the pool drops the connection and the error is answered 503."""
    error: BaseException | None = context.original_exception
    while error is not None:
        sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(sqlstate, str) and (
            sqlstate in _UNAVAILABLE_SQLSTATES or sqlstate.startswith("08")
        ):
            context.is_disconnect = True
            return
        error = error.__cause__


def build_engine(
    url: str,
    settings: Settings | None = None,
    statement_timeout_ms: int | None = None,
    **kwargs: object,
) -> AsyncEngine:
    settings = settings or get_settings()
    timeout_ms = statement_timeout_ms or settings.db_statement_timeout_ms
    options: dict[str, object] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        # No ping before each checkout (a round trip per request): a connection found dead is
        # a disconnect (see _server_unavailable), which empties the pool and answers 503 once.
        "pool_pre_ping": False,
        "pool_timeout": settings.db_pool_timeout_s,
        "connect_args": {
            "timeout": settings.db_connect_timeout_s,
            "command_timeout": timeout_ms / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(timeout_ms),
                "application_name": "firstset",
            },
        },
    }
    options.update(kwargs)
    engine = create_async_engine(with_driver(url), **options)
    event.listen(engine.sync_engine, "handle_error", _server_unavailable)
    return engine


def build_read_engine(settings: Settings | None = None) -> AsyncEngine:
    """The public catalogue's engine: single statements in autocommit (no BEGIN, no COMMIT:
    one round trip a page) under a short statement timeout, on the replica when there is one."""
    settings = settings or get_settings()
    url = settings.database_read_url or resolve_database_url(settings)
    return build_engine(
        url,
        settings,
        statement_timeout_ms=settings.db_public_statement_timeout_ms,
        pool_size=settings.db_read_pool_size,
        max_overflow=0,
        isolation_level="AUTOCOMMIT",
    )


class Database:
    """The process-wide engines, created on first use so importing the app never connects."""

    def __init__(self) -> None:
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._read_engine: AsyncEngine | None = None
        self._read_sessionmaker: async_sessionmaker[AsyncSession] | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self.use(build_engine(resolve_database_url()))
        assert self._engine is not None
        return self._engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        if self._sessionmaker is None:
            _ = self.engine
        assert self._sessionmaker is not None
        return self._sessionmaker

    def use(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessionmaker = async_sessionmaker(engine, expire_on_commit=False)

    @property
    def read_sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        if self._read_sessionmaker is None:
            self._read_engine = build_read_engine()
            self._read_sessionmaker = async_sessionmaker(self._read_engine, expire_on_commit=False)
        return self._read_sessionmaker

    async def dispose(self) -> None:
        for engine in (self._engine, self._read_engine):
            if engine is not None:
                await engine.dispose()
        self._engine = self._read_engine = None
        self._sessionmaker = self._read_sessionmaker = None


database = Database()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with database.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            # A request that never touched the database (a cached page, a 304) has nothing to
            # commit, and skipping the call saves a trip through SQLAlchemy's greenlet bridge.
            if session.in_transaction():
                await session.commit()


# scope="function": commit before the response is sent, so a failed commit is reported.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_session() -> AsyncIterator[AsyncSession]:
    """A session for public reads only: autocommit, nothing to commit or roll back."""
    async with database.read_sessionmaker() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
