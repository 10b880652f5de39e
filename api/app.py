"""The lab's mini-API: liveness, readiness, and a live view of the database it uses.

Served from this folder as in the lab statement: ``uvicorn app:app``.
Configuration: ``DATABASE_URL``, a libpq URL such as ``postgresql://demo:demo@db:5432/demo``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from database import Database, DatabaseUnavailable
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Health(BaseModel):
    status: str = "ok"


class Ready(BaseModel):
    status: str = "ok"
    database: str = "ok"


class Unavailable(BaseModel):
    status: str = "unavailable"
    database: str


class DatabaseInfo(BaseModel):
    database: str
    user: str
    server_version: str
    host: str
    port: int


@asynccontextmanager
async def lifespan(application: FastAPI) -> AsyncIterator[None]:
    """Open the database pool for the app's lifetime; it may start while the database is down."""
    application.state.db = Database(os.environ.get("DATABASE_URL"))
    await application.state.db.open()
    try:
        yield
    finally:
        await application.state.db.close()


class QuietHealthchecks(logging.Filter):
    """Drops the access-log lines of successful container healthchecks (healthcheck.sh
    marks its requests so); failed ones stay, and so does every request of a person."""

    MARKER = "probe=healthcheck"

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            path, status = args[2], args[4]
            return not (isinstance(path, str) and path.endswith(self.MARKER) and status == 200)
        return True


app = FastAPI(title="simple-api", summary="The TP1 mini-API", lifespan=lifespan)
logging.getLogger("uvicorn.access").addFilter(QuietHealthchecks())


def get_db(request: Request) -> Database:
    return request.app.state.db


DB = Annotated[Database, Depends(get_db)]
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"model": Unavailable}}


@app.exception_handler(DatabaseUnavailable)
async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
    body = Unavailable(database=str(exc))
    return JSONResponse(body.model_dump(), status_code=503)


@app.get("/health")
async def health() -> Health:
    """Liveness: the process answers. Never touches the database.

    `async def`, unlike the lab's `def`: nothing here blocks, so it runs on the
    event loop instead of hopping to a worker thread (see docs/BENCHMARKS.md)."""
    return Health()


@app.get("/ready", responses=UNAVAILABLE)
async def ready(db: DB) -> Ready:
    """Readiness: the database answers ``SELECT 1``; 503 with the reason otherwise."""
    await db.fetch_one("SELECT 1")
    return Ready()


@app.get("/db", responses=UNAVAILABLE)
async def database_info(db: DB) -> DatabaseInfo:
    """What lab step 6 asks of psql, live: the database, the user, the server, the address."""
    row = await db.fetch_one(
        'SELECT current_database() AS database, current_user AS "user", version() AS server_version'
    )
    return DatabaseInfo(**row, host=db.host, port=db.port)
