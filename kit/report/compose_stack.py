"""Parts 5 and 6: the stack up and down with Compose, psql in the database's container,
and `docker volume ls` after `down` (the database's anonymous volume stays) and around
`down -v` (this database's volume goes)."""

from __future__ import annotations

import re

from kit.report.lab import PROJECT
from kit.report.probes import volumes, wait_database, wait_uvicorn
from kit.report.records import Capture, Run
from kit.report.steps import TITLES, commands, compose_up
from kit.statement import Command
from kit.wait import poll

VOLUME_LS = "docker volume ls"


def part_5(run: Run) -> None:
    up, ps = commands("5.3")
    compose_up(run, up, "Démarrer la stack")
    run.typed(ps, TITLES["5.3"])
    wait_uvicorn("5.4")
    run.typed(commands("5.4")[0], TITLES["5.4"])
    run.remember_volumes(PROJECT)
    run.typed(commands("5.5")[0], TITLES["5.5"])
    list_volumes(run, "5.5", "Les volumes après docker compose down : celui de db reste")


def part_6(run: Run) -> None:
    up, ps = commands("6.0")
    compose_up(run, up, TITLES["6.0"])
    run.typed(ps, TITLES["6.0"])
    wait_database()
    (psql,) = commands("6.1")
    # Step 6.2's queries typed at psql's prompt, then \q to leave it.
    run.typed(psql, "psql, avec les requêtes de l'étape 6.2",
              inputs=(*psql.input.splitlines(), "\\q"))  # fmt: skip
    run.remember_volumes(PROJECT)
    # 6.4 offers `down`, or `down -v` to remove the volumes too. `down` was typed at 5.5
    # (its `docker volume ls` shows the database's anonymous volume left); here `down -v`
    # is typed on the running stack, between two lists: this database's volume goes,
    # part 5's, whose container is gone, stays.
    _, down_volumes = commands("6.4")
    list_volumes(run, "6.4", "Les volumes avant docker compose down -v")
    run.typed(down_volumes, "Arrêter la stack et supprimer ses volumes")
    list_volumes(run, "6.4", "Les volumes après docker compose down -v")


def list_volumes(run: Run, step: str, title: str) -> Capture:
    """`docker volume ls`, at a moment when the engine holds no volume of another program
    made during the run (one engine, several users): a person reads their own list."""

    def unknown(listed: set[str]) -> set[str]:
        return listed - run.volumes - run.volumes_before

    for _ in range(3):
        poll(lambda: not unknown(volumes()), 30, interval=0.5)
        capture = run.typed(Command(step, VOLUME_LS), title)
        if not unknown(set(re.findall(r"\b[0-9a-f]{64}\b", capture.text()))):
            break
        run.discard(capture)  # typed again a moment later
    return capture
