"""Is the stack usable? Asked from the host, as a person would find out, and cheaply.

`invoke up` and its kin wait on this rather than on the containers' healthchecks: the
healthchecks run every 30 s to cost nothing at rest, while this answers within a
tenth of a second of the stack being ready. Usable means: the API's /ready is 200
(so the API reaches the database) and PostgreSQL takes a TCP login on its port.
"""

from __future__ import annotations

from collections.abc import Iterable

from kit.http import get
from kit.settings import Settings
from kit.wait import poll


def api_ready(settings: Settings) -> bool:
    return get(f"http://127.0.0.1:{settings.api_port}/ready", timeout=2)[0] == 200


def db_takes_logins(settings: Settings) -> bool:
    # Imported here: psycopg takes a third of a second to import, which every task
    # would pay at start-up, `invoke restart api` included.
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=settings.db_port,
            user=settings.postgres_user,
            password=settings.postgres_password,
            dbname=settings.postgres_db,
            connect_timeout=2,
        ):
            return True
    except psycopg.Error:
        return False


CHECKS = {"api": api_ready, "db": db_takes_logins}


def wait_usable(settings: Settings, services: Iterable[str], timeout: float) -> list[str]:
    """Wait until each service is usable; return those that are not after timeout."""
    pending = list(services)

    def all_usable() -> bool:
        pending[:] = [s for s in pending if not CHECKS[s](settings)]
        return not pending

    poll(all_usable, timeout, interval=0.1)
    return pending
