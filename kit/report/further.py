"""« Pour aller plus loin », the closing part: a few commands typed on the kit's own files
(its Dockerfile rebuilt after 7.4's edit, its Compose file running the broken image)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from invoke import Exit

from kit import docker, statement, terminal
from kit.report.lab import KIT_PROJECT
from kit.report.records import Run
from kit.report.steps import BUILD_TIMEOUT
from kit.wait import poll

# The closing part's captures: not the statement's, « Pour aller plus loin ».
FURTHER = "PL"


def further(run: Run, kit_lab: Path) -> None:
    """The kit's Dockerfile rebuilt after the statement's edit (dependencies cached), and
    its Compose file running the broken image (a restart policy: `Restarting`)."""
    # The kit's files with their own defaults: the public images, there (or stood in) for the run.
    env = {**run.env, "COMPOSE_PROJECT_NAME": KIT_PROJECT}
    for name in ("PYTHON_IMAGE", "UV_IMAGE", "POSTGRES_IMAGE"):
        env.pop(name, None)
    run.projects[KIT_PROJECT] = kit_lab
    build = statement.BUILD
    run.ensure_images()
    first = run.session(build, "api", kit_lab, env)  # not shown: it fills the cache
    try:
        first.wait(BUILD_TIMEOUT)
    except terminal.TerminalError as error:
        raise Exit(f"report: the kit's first build: {error}", 1) from None
    run.built_now(statement.IMAGE)
    if first.status != 0:
        raise Exit(f"report: the kit's build failed:\n{first.screen.text()}", 1)
    (edit,) = (c for c in statement.COMMANDS if c.kind == "edit")
    app_py = kit_lab / "api" / "app.py"
    # The statement's rename, and a date: a content never built, whatever earlier runs cached.
    renamed = statement.edited(app_py.read_text(encoding="utf-8"), edit) + dated()
    app_py.write_text(renamed, encoding="utf-8")
    run.typed(build, "Le Dockerfile du kit, après le renommage de app de l'étape 7.4",
              step=f"{FURTHER}.1", where="api", timeout=BUILD_TIMEOUT, lab=kit_lab,
              env=env)  # fmt: skip
    run.built_now(statement.IMAGE)
    run.ensure_images()
    run.typed("docker compose up -d", "La stack du kit, avec l'image cassée", step=f"{FURTHER}.2",
              lab=kit_lab, env=env)  # fmt: skip

    def restarting() -> bool:
        # From the third attempt on, the policy waits 0.4 s or more: time for `ps`.
        info = docker.inspect(f"{KIT_PROJECT}-api-1") or {}
        return bool(info.get("State", {}).get("Restarting")) and info.get("RestartCount", 0) >= 2

    for _ in range(4):  # `Restarting` lasts the policy's delay between two attempts
        if not poll(restarting, 30, interval=0.05):
            break
        capture = run.typed("docker compose ps", "Restarting : la politique de redémarrage du kit",
                            step=f"{FURTHER}.2", lab=kit_lab, env=env)  # fmt: skip
        if "Restarting" in capture.text():
            return
        run.discard(capture)  # a person types it again: the screen kept is the one that shows it
    raise Exit("report: the kit's API was never seen `Restarting` by docker compose ps", 1)


def dated() -> str:
    """A comment line that makes a file's content new: the build cache remembers earlier runs."""
    return f"# modifié le {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S.%f}\n"
