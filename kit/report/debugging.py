"""Part 7: the logs followed while a request comes, a shell in the API, a restart, the
deliberate break of 7.4 and its repair, and 7.5's prunes (answered y only when they would
remove nothing but the run's own objects)."""

from __future__ import annotations

import dataclasses
import re

from invoke import Exit

from kit import statement, terminal
from kit.report.lab import API_CONTAINER, PROJECT
from kit.report.probes import (
    UVICORN_READY,
    dangling_images,
    network_gateway,
    stopped_containers,
    uvicorn_starts,
    wait_exited,
    wait_uvicorn,
)
from kit.report.records import Run
from kit.report.steps import BUILD_TIMEOUT, TITLES, commands, compose_up, first_terminal
from kit.statement import Command
from kit.wait import poll

# The lines of the statement's commands that the report also types, with the statement's words.
PS = "docker compose ps"
PS_ALL = "docker compose ps -a"
# curl's exit status when nothing listens on the port: the symptom of 7.4's break.
CURL_CANNOT_CONNECT = 7
GET_HEALTH = r'"GET /health HTTP/1\.1" 200'


def part_7(run: Run) -> None:
    compose_up(run, commands("7.0")[0], TITLES["7.0"])
    wait_uvicorn("7.1")
    (logs,) = commands("7.1")
    (curl,) = commands("4.2")
    # The screen before the request, then after it: its line comes while `logs -f` runs.
    before = run.reserve()
    follow = run.session(logs.command)
    try:
        follow.expect(UVICORN_READY)
        follow.screen.keep_moment()
        run.keep(follow, "7.1", "Les logs de l'API, avant la requête", number=before, moment=True)
        run.typed(dataclasses.replace(curl, step="7.1"), "Une requête depuis un second terminal")
        run.gateway = network_gateway(f"{PROJECT}_default")
        follow.expect(GET_HEALTH)
        follow.interrupt()
        follow.wait(30)
    except terminal.TerminalError as error:
        raise Exit(f"report: step 7.1: {error}", 1) from None
    finally:
        follow.close()
    run.keep(follow, "7.1", "Les logs après la requête, jusqu'à Ctrl-C")
    run.typed(commands("7.2")[0], TITLES["7.2"])
    restart, health = commands("7.3")
    started = uvicorn_starts()
    run.typed(restart, "Redémarrer l'API")
    wait_uvicorn("7.3", started)
    run.typed(health, "/health après le redémarrage")
    break_and_repair(run)
    prune(run)


def break_and_repair(run: Run) -> None:
    edit, build, up_build, logs = commands("7.4")
    (curl,) = commands("4.2")
    app_py = run.lab / edit.path
    original = app_py.read_text(encoding="utf-8")
    run.edit("7.4", "Renommer app en appi dans api/app.py", edit.path,
             statement.edited(original, edit), edit.command)  # fmt: skip
    run.ensure_images()
    run.typed(build, "Reconstruire simple-api avec l'erreur", timeout=BUILD_TIMEOUT)
    run.built_now(statement.IMAGE)
    compose_up(run, up_build, "Relancer Compose avec --build")
    with first_terminal(run, logs, "Les logs disent pourquoi l'API s'arrête") as follow:
        follow.expect(r'Attribute "app" not found')
        # `logs -f` ends by itself when it sees the container stop; else at Ctrl-C.
        if not poll(lambda: follow.pump(0.2) or follow.ended, 10, interval=0):
            follow.interrupt()
        follow.wait(30)
    # The failure confirmed, once the API has stopped: missing from `docker compose ps`,
    # `Exited` in `docker compose ps -a`, and nothing answers.
    wait_exited(API_CONTAINER, "7.4")
    run.typed(Command("7.4", PS), "docker compose ps : l'API n'y est plus", expect="")
    run.typed(Command("7.4", PS_ALL), "docker compose ps -a : l'API est arrêtée",
              expect=r"Exited \(\d+\)")  # fmt: skip
    run.typed(dataclasses.replace(curl, step="7.4"), "curl : plus de réponse", expect="",
              status=CURL_CANNOT_CONNECT)  # fmt: skip
    # The repair, typed as the break was: both images built again from the restored file.
    run.edit("7.4", "Réparer : remettre app dans api/app.py", edit.path, original,
             "remettre `app` dans api/app.py")  # fmt: skip
    run.ensure_images()
    run.typed(build, "Réparer : reconstruire simple-api", timeout=BUILD_TIMEOUT)
    run.built_now(statement.IMAGE)
    compose_up(run, Command("7.4", up_build.command), "Réparer : relancer Compose avec --build")
    wait_uvicorn("7.4")
    run.typed(dataclasses.replace(curl, step="7.4"), "/health à nouveau")


def prune(run: Run) -> None:
    """7.5's prunes as the statement writes them, answered y at their prompt only when
    what they would remove is what this run made; otherwise N, and the run's own
    stopped containers and untagged images are removed by id instead."""
    container_prune, image_prune = commands("7.5")
    kinds = (
        (container_prune, "Supprimer les conteneurs arrêtés", stopped_containers,
         run.our_stopped_containers(), "docker rm"),
        (image_prune, "Supprimer les images orphelines (dangling)", dangling_images,
         run.built, "docker image rm"),
    )  # fmt: skip
    for command, title, would_remove, ours, remove in kinds:
        number = run.reserve()
        session = run.session(command.command)
        try:
            session.expect(r"\[y/N\]", 60)
            would = would_remove()
            others = would - ours
            session.send("N\r" if others else "y\r")
            session.wait(120)
        except terminal.TerminalError as error:
            session.close()
            raise Exit(f"report: step 7.5: {error}", 1) from None
        run.pruned[command.command] = not others
        if not others:
            capture = run.keep(session, "7.5", title, number=number)
            removed = set(re.findall(r"^[0-9a-f]{64}$", capture.text(), re.M))
            if session.status != 0 or (command is container_prune and removed - ours):
                raise Exit(f"report: step 7.5: `{command.command}` did not remove only the "
                           f"report's objects: see {run.folder / capture.name}.txt", 1)  # fmt: skip
            continue
        run.reserved -= 1  # not kept: a person who answered N removes their own objects
        mine = sorted(i.removeprefix("sha256:")[:12] for i in ours & would)
        if mine:
            run.typed(Command("7.5", f"{remove} {' '.join(mine)}"),
                      f"{title} (au lieu de {command.command})",
                      written=command.command)  # fmt: skip
