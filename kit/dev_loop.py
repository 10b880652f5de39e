"""The dev loop: the stack with docker-compose.dev.yml added (a bind mount of api/ and
`uvicorn --reload`), and the API's logs followed until Ctrl-C."""

from __future__ import annotations

import contextlib
import os

from invoke import Context

from kit import reproducible, shell, startup
from kit.settings import Settings

FILES = ["-f", "docker-compose.yml", "-f", "docker-compose.dev.yml"]


def poll_on_windows() -> None:
    """On Windows, have the API poll api/ for changes (docker-compose.dev.yml passes
    WATCHFILES_FORCE_POLLING on): Docker Desktop gives a container no file events for a
    Windows folder, so uvicorn's watcher polls instead. A value already set is kept."""
    if shell.WINDOWS and "WATCHFILES_FORCE_POLLING" not in os.environ:
        os.environ["WATCHFILES_FORCE_POLLING"] = "true"
        print("Windows: the API polls api/ for changes (WATCHFILES_FORCE_POLLING=true).")


def start(c: Context, settings: Settings) -> None:
    """Build the image as `invoke build` does, start the stack with the dev file added,
    and return once db and api are usable."""
    reproducible.build(c, settings)
    startup.up_until_usable(c, settings, *FILES, "up", "-d", "--no-build", what="The dev stack")


def follow_api_logs(c: Context, port: int) -> None:
    """Follow the API's logs until Ctrl-C, which is how the loop ends. A pty lets Invoke
    pass Ctrl-C on to `logs -f` as a terminal would, even when its own input is closed."""
    print(
        f"Dev loop on http://127.0.0.1:{port}: save a file under api/ and the "
        "API reloads. Ctrl-C ends the loop."
    )
    with contextlib.suppress(KeyboardInterrupt, shell.Interrupted):
        shell.sh(c, "docker", "compose", *FILES, "logs", "-f", "--tail", "5", "api", pty=True)


def stop_api(c: Context) -> None:
    """The loop has ended: stop the dev API (`invoke up` gives back the hardened one)."""
    if not shell.dry(c):
        print("\nDev loop ended: stopping the dev API; `invoke up` gives back the hardened stack.")
    shell.sh(c, "docker", "compose", "stop", "api")
