"""The whole run: the ports free, the scratch folders, the parts in the statement's order,
the index, and everything the run made removed again, even after a failure."""

from __future__ import annotations

from pathlib import Path

from invoke import Exit

from kit import docker, excerpts, quiet, standins, statement, terminal
from kit.report.compose_stack import part_5, part_6
from kit.report.containers import part_3, part_4, parts_1_and_2
from kit.report.debugging import part_7
from kit.report.further import further
from kit.report.index import write_index
from kit.report.lab import PROJECT, environment, scratch
from kit.report.probes import volumes
from kit.report.records import Capture, Run
from kit.settings import ROOT

REPORT = ROOT / "reports" / "rapport.md"
CAPTURES = ROOT / "reports" / "captures"  # the report's; its output blocks are copied from them


def require_ports() -> None:
    for port, what in ((statement.API_PORT, "the API"), (statement.DB_PORT, "PostgreSQL")):
        if docker.port_in_use(port):
            raise Exit(
                f"report: port {port} is taken: the statement's files publish {what} on it. "
                "Stop what holds it (your stack: `invoke down`), then run `invoke report` again.",
                1,
            )


def make_report(folder: Path, use_terminal: bool = terminal.PTY) -> list[Capture]:
    docker.require_engine()
    require_ports()
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("[0-9][0-9]-*.txt"), *folder.glob("[0-9][0-9]-*.svg")]:
        old.unlink()
    env = environment()
    before = docker.image_id(statement.IMAGE)
    with scratch() as (lab, kit_lab):
        run = Run(lab, env, folder, use_terminal)
        run.projects[PROJECT] = lab
        run.containers_before = set(docker.query("ps", "-aq", "--no-trunc").stdout.split())
        run.volumes_before = volumes()
        run.ensure_images()
        for public in ("hello-world", "alpine"):
            run.images_run.add(docker.image_id(public))
        try:
            parts_1_and_2(run)
            for public in ("hello-world", "alpine"):  # pulled by the run, where there is a registry
                run.images_run.add(docker.image_id(public))
            part_3(run)
            part_4(run)
            part_5(run)
            part_6(run)
            part_7(run)
            clean_up(run, before)
            further(run, kit_lab)
        finally:
            clean_up(run, before)
            standins.remove(run.stand_ins)
    write_index(run)
    if folder.resolve() == CAPTURES.resolve():
        copy_outputs(REPORT, folder)
    return run.captures


def copy_outputs(report: Path, folder: Path) -> None:
    """The report's blocks of output copied from the captures; a marker naming a capture
    the run did not write is one line (the captures themselves are written)."""
    try:
        excerpts.refresh(report, folder)
    except excerpts.MissingCapture as missing:
        raise Exit(
            f"report: {missing}, named by a marker of {report}: point it at a capture of this run",
            code=1,
        ) from None


def clean_up(run: Run, before: str) -> None:
    """All the run made, found again and removed; your `simple-api`, if you had one, tagged again."""
    for project, folder in run.projects.items():
        run.remember_volumes(project)
        env = {**run.env, "COMPOSE_PROJECT_NAME": project}
        docker_compose = ["docker", "compose", "down", "-v", "--remove-orphans"]
        quiet.run(docker_compose, folder, env)
    ours = [c for c in docker.query("ps", "-aq", "--no-trunc").stdout.split()
            if c not in run.containers_before
            and (docker.inspect(c) or {}).get("Image") in run.images_run]  # fmt: skip
    if ours:
        docker.query("rm", "-f", "-v", *ours)
    if run.volumes:
        docker.query("volume", "rm", *sorted(run.volumes))
        run.volumes.clear()
    if before:
        docker.query("tag", before, statement.IMAGE)
    elif docker.image_id(statement.IMAGE) in run.built:
        docker.query("image", "rm", statement.IMAGE)
    for project in run.projects:
        if docker.image_id(f"{project}-api") in run.built:
            docker.query("image", "rm", f"{project}-api")
    leftover = sorted(run.built - {before, ""})
    if leftover:
        docker.query("image", "rm", *leftover)
