"""Parts 1 to 4: the engine's versions, hello-world and alpine, the image built (a real
build, then the build cache at work after a comment is added and removed), and the API
run in the foreground while a second terminal types curl, docker ps and docker stop."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from invoke import Exit

from kit import docker, statement, terminal
from kit.report.probes import START_TIMEOUT, UVICORN_READY
from kit.report.records import Run
from kit.report.steps import BUILD_TIMEOUT, TITLES, commands, first_terminal
from kit.statement import Command

# 1.1, beyond the statement: which engine and Compose the captures come from.
VERSIONS = ("docker version", "docker compose version")
# The screen to keep while the first build runs: pip's lines in BuildKit's live display.
PIP_RUNNING = r"=> => # .*(Collecting|Downloading|Installing|Successfully)"
# 3.3, beyond the statement: a line added to app.py to see which steps a rebuild runs again.
COMMENT = "# Ligne ajoutée pour observer le cache de construction, retirée ensuite\n"
# The build cache records of a Dockerfile's own steps (RUN; WORKDIR, COPY), by BuildKit's words.
OWN_STEPS = ("mount / from exec", "fileop target")


def parts_1_and_2(run: Run) -> None:
    for typed in VERSIONS:
        run.typed(Command("1.1", typed), TITLES["1.1"])
    for command in statement.commands(1, 2):
        run.ensure_images()
        run.typed(command, TITLES[command.step], timeout=300)


def forget_build_cache(dockerfile: Path) -> list[str]:
    """Remove the build cache records of dockerfile's own steps that no image uses, so that
    its next build runs them: each RUN step's records, and the steps they were built on
    (WORKDIR, COPY), down to the base image. The ids removed."""
    runs = [line[4:].strip() for line in dockerfile.read_text(encoding="utf-8").splitlines()
            if line.startswith("RUN ")]  # fmt: skip
    template = "{{range .BuildCache}}{{.ID}}\t{{.Parent}}\t{{.Description}}\n{{end}}"
    listing = docker.query("system", "df", "-v", "--format", template).stdout
    records = {}
    for row in listing.splitlines():
        if row.count("\t") == 2:
            record, parent, description = row.split("\t")
            records[record] = (parent, description)
    # Each RUN step's records, then the steps they were built on (COPY, WORKDIR), level by
    # level down to the base image's own record: a record goes only once none is built on it.
    levels: list[set[str]] = [{r for r, (_, d) in records.items()
                               if any(d.endswith(f"/bin/sh -c {run}") for run in runs)}]  # fmt: skip
    while levels[-1]:
        parents = {records[r][0] for r in levels[-1]}
        levels.append({p for p in parents if p in records and records[p][1].startswith(OWN_STEPS)})
    removed = []
    for level in levels:
        for record in sorted(level):
            result = docker.query("builder", "prune", "-f", "--filter", f"id={record}")
            if result.returncode == 0 and record[:12] in result.stdout:
                removed.append(record)
    return removed


def part_3(run: Run) -> None:
    (build,) = commands("3.3")
    app_py = run.lab / "api" / "app.py"
    run.forgotten = forget_build_cache(run.lab / "api" / "Dockerfile")
    run.ensure_images()
    first = run.session(build.command, build.where)
    first.screen.watch(PIP_RUNNING)
    try:
        first.wait(BUILD_TIMEOUT)
    except terminal.TerminalError as error:
        raise Exit(f"report: step 3.3: {error}", 1) from None
    run.built_now(statement.IMAGE)
    if first.screen.moment:
        run.keep(first, "3.3", "Construire l'image : pip install en cours", moment=True)
    else:  # another image holds this Dockerfile's steps in the build cache
        print("report: warning: step 3.3's first build took `pip install` from the build "
              "cache (an image built from the same files uses it): no capture shows pip "
              "running. Remove that image and run `invoke report` again.", flush=True)  # fmt: skip
    final = run.keep(first, "3.3", "Construire l'image")
    if first.status != 0:
        raise Exit(f"report: step 3.3 failed: see {run.folder / final.name}.txt", 1)
    # Beyond the statement: a comment added, a rebuild, the comment removed, a rebuild.
    original = app_py.read_text(encoding="utf-8")
    run.edit("3.3", "Hors énoncé : une ligne de commentaire ajoutée", "api/app.py",
             original + COMMENT, "ajouter un commentaire à api/app.py")  # fmt: skip
    run.ensure_images()
    run.typed(build, "Reconstruire après l'ajout du commentaire", timeout=BUILD_TIMEOUT)
    run.built_now(statement.IMAGE)
    run.edit("3.3", "Hors énoncé : le commentaire retiré", "api/app.py", original,
             "retirer le commentaire de api/app.py")  # fmt: skip
    run.ensure_images()
    run.typed(build, "Reconstruire après le retrait du commentaire", timeout=BUILD_TIMEOUT)
    run.built_now(statement.IMAGE)


def part_4(run: Run) -> None:
    (server_command,) = commands("4.1")
    (curl,) = commands("4.2")
    (ps,) = commands("4.3")
    stop, ps_after, ps_all = commands("4.4")
    with first_terminal(run, server_command, "Lancer le conteneur (premier terminal)") as server:
        server.expect(UVICORN_READY, START_TIMEOUT)
        run.typed(curl, "Tester /health depuis un second terminal")
        run.typed(ps, "Le conteneur dans docker ps")
        found = docker.query("ps", "-q", "--no-trunc", "--filter", f"ancestor={statement.IMAGE}")
        for container in found.stdout.split():
            run.images_run.add((docker.inspect(container) or {}).get("Image", ""))
        names = docker.query("ps", "--filter", f"ancestor={statement.IMAGE}", "--format",
                             "{{.Names}}").stdout.split()  # fmt: skip
        if len(names) != 1:
            raise Exit(f"report: step 4.3: expected one container of {statement.IMAGE}, "
                       f"found {names}", 1)  # fmt: skip
        typed_stop = stop.command.replace(statement.CONTAINER_PLACEHOLDER, names[0])
        run.typed(dataclasses.replace(stop, command=typed_stop), "Arrêter le conteneur",
                  written=stop.command)  # fmt: skip
        server.wait(60)
    run.typed(ps_after, "Il n'est plus dans docker ps…")
    run.typed(ps_all, "…mais toujours dans docker ps -a", expect=r"Exited \(0\)")
