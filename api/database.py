"""The API's link to PostgreSQL: a connection pool that says why it cannot connect.

The pool is opened without waiting, so the API starts (and /health answers) while
the database is still down; it keeps reconnecting in the background and checks
each connection before handing it out, so an outage heals without a restart.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

# How long a request may wait for the database before it is answered 503.
# Kept under 3 s so that /ready and /db fail fast, never hang.
REQUEST_TIMEOUT = 2.0
# While the database is away, the pool tries to connect in short series: one
# attempt at once and one RECONNECT_TIMEOUT later. After a failed series the next
# one starts RETRY_FIRST later, then twice as late each time up to RETRY_MAX. So
# the API finds a PostgreSQL that is starting (the stack's first `up`) within a
# quarter of a second, and a long outage costs two attempts every two seconds,
# where psycopg_pool's own backoff (1 s, then doubling) would add seconds.
RECONNECT_TIMEOUT = 0.25
RETRY_FIRST, RETRY_MAX = 0.25, 2.0


class DatabaseUnavailable(Exception):
    """The database cannot answer now; the message is a short, password-free reason."""


def short_reason(exc: BaseException) -> str:
    """The first line of a driver error, which names the host, port and cause."""
    lines = str(exc).strip().splitlines()
    text = " ".join(lines[0].split()) if lines else ""
    return text or type(exc).__name__


class Database:
    """A pool to one libpq URL, or no pool at all when the URL is not set."""

    def __init__(self, url: str | None) -> None:
        self.url = url or None
        self.last_error: str | None = None
        self.pool: AsyncConnectionPool | None = None
        self.retry_delay = RETRY_FIRST
        self._retry: asyncio.TimerHandle | None = None
        self._retrying: set[asyncio.Task[None]] = set()
        # Why there is no pool, if there is none; the URL's own text is never repeated,
        # since a malformed one may hold the password.
        self.problem: str | None = None if url else "DATABASE_URL is not set"
        self.host, self.port = "localhost", 5432
        if url:
            try:
                params = conninfo_to_dict(url)
                self.host = str(params.get("host") or "localhost")
                self.port = int(params.get("port") or 5432)
            except (psycopg.Error, ValueError):
                self.problem = "DATABASE_URL is not a valid libpq URL"

    def _connection_class(self) -> type[psycopg.AsyncConnection]:
        """A connection class that records on this object why connecting failed."""
        database = self

        class TrackedConnection(psycopg.AsyncConnection):
            @classmethod
            async def connect(cls, *args: Any, **kwargs: Any) -> TrackedConnection:
                try:
                    conn = await super().connect(*args, **kwargs)
                except psycopg.Error as exc:
                    database.last_error = short_reason(exc)
                    raise
                database.last_error = None
                database.retry_delay = RETRY_FIRST
                return conn

        return TrackedConnection

    async def open(self) -> None:
        """Start connecting in the background; never blocks on the database."""
        if self.problem is not None:
            return
        self.pool = AsyncConnectionPool(
            self.url,
            connection_class=self._connection_class(),
            kwargs={"connect_timeout": 2, "application_name": "simple-api"},
            min_size=1,
            max_size=4,
            open=False,
            check=AsyncConnectionPool.check_connection,
            reconnect_timeout=RECONNECT_TIMEOUT,
            reconnect_failed=self._retry_later,
            name="simple-api",
        )
        await self.pool.open(wait=False)

    async def _retry_later(self, pool: AsyncConnectionPool) -> None:
        """A series of attempts failed: start the next one after the current delay."""
        delay, self.retry_delay = self.retry_delay, min(self.retry_delay * 2, RETRY_MAX)
        self._retry = asyncio.get_running_loop().call_later(delay, self._retry_now, pool)

    def _retry_now(self, pool: AsyncConnectionPool) -> None:
        # check() lets an empty pool grow again, which starts a new series at once.
        if not pool.closed:
            task = asyncio.ensure_future(pool.check())
            self._retrying.add(task)
            task.add_done_callback(self._retrying.discard)

    async def close(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
        if self.pool is not None:
            await self.pool.close()

    async def fetch_one(self, query: str) -> dict[str, Any]:
        """Run one query and return its first row by column, or raise DatabaseUnavailable."""
        if self.pool is None:
            raise DatabaseUnavailable(self.problem or "the database pool is closed")
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT + 0.5):
                async with self.pool.connection(timeout=REQUEST_TIMEOUT) as conn:
                    cursor = await conn.cursor(row_factory=dict_row).execute(query)
                    return await cursor.fetchone() or {}
        except TimeoutError:
            raise DatabaseUnavailable(f"no answer within {REQUEST_TIMEOUT:g} s") from None
        except PoolTimeout:
            reason = self.last_error or f"no connection within {REQUEST_TIMEOUT:g} s"
            raise DatabaseUnavailable(reason) from None
        except psycopg.Error as exc:
            raise DatabaseUnavailable(short_reason(exc)) from None
