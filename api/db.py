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


def build_engine(url: str, settings: Settings | None = None, **kwargs: object) -> AsyncEngine:
    settings = settings or get_settings()
    options: dict[str, object] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        "pool_pre_ping": True,
        "pool_timeout": settings.db_connect_timeout_s,
        "connect_args": {
            "timeout": settings.db_connect_timeout_s,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "application_name": "firstset",
            },
        },
    }
    options.update(kwargs)
    engine = create_async_engine(with_driver(url), **options)
    event.listen(engine.sync_engine, "handle_error", _server_unavailable)
    return engine


class Database:
    """The process-wide engine, created on first use so importing the app never connects."""

    def __init__(self) -> None:
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None

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

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        self._engine = None
        self._sessionmaker = None


database = Database()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with database.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": commit before the response is sent, so a failed commit is reported.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
