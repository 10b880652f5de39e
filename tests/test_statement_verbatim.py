"""The statement's own commands, typed as it writes them, work on the kit's files.

Parts 1 to 7 of ../shared/lab/tp1-enonce.md (kit/statement.py), in its order, on a
scratch copy of the kit, on the real engine, on the statement's own ports (8000 and
5432) and image name (`simple-api`). The replay changes only what a script
must (kit/replay.py): the server of 4.1 runs detached, typed input is fed without a
terminal, `logs -f` is read for a bounded time, and the prunes of 7.5 answer y with
a `--filter` on this test's own label, so that they never touch anything else.

Isolation: a unique Compose project (COMPOSE_PROJECT_NAME), removed with its volume
at the end; every container it starts carries its label and is removed; a `simple-api`
image that existed before is tagged back afterwards; where no registry is reachable,
stand-ins take the public names (the base image, alpine, hello-world) for the test's
duration only, as the environment names them (kit/standins.py,
../shared/docker-sandbox/README.md).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator

import pytest
from helpers import docker, scratch_copy, unique_name

from kit import docker as kit_docker
from kit import statement
from kit.docker import image_id
from kit.replay import Outcome, Replay, environment
from kit.settings import DEFAULT_IMAGES
from kit.standins import remove, statement_images

# What the statement's defaults must not inherit from a developer's shell or .env.
LAB_VARIABLES = ("API_PORT", "DB_PORT", "API_IMAGE", "POSTGRES_USER", "POSTGRES_PASSWORD")


@pytest.fixture(scope="module")
def replay(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    taken = [p for p in (statement.API_PORT, statement.DB_PORT) if kit_docker.port_in_use(p)]
    if taken:
        why = (
            f"the statement's port(s) {taken} are taken on this machine: the verbatim suite "
            "uses the statement's own ports; stop what holds them (`invoke down`?)"
        )
        if os.environ.get("CI"):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    root = scratch_copy(tmp_path_factory.mktemp("verbatim") / "lab")
    project = unique_name("tp1-verbatim")
    env = environment(COMPOSE_PROJECT_NAME=project)
    for name in LAB_VARIABLES:
        env.pop(name, None)
    before = image_id(statement.IMAGE)
    # `docker build -t simple-api .` passes no build argument: its FROM must exist. The
    # kit's Compose file takes POSTGRES_IMAGE itself: no postgres:16 tag to hide a miss.
    tagged = statement_images(env, DEFAULT_IMAGES["PYTHON_IMAGE"], "alpine", "hello-world")
    label = f"tp1-verbatim={project}"
    # Compose labels the images it builds with their project.
    scope = {"container": f"label={label}", "image": f"label=com.docker.compose.project={project}"}
    session = Replay(root, env, label, scope=scope)
    try:
        yield session
    finally:
        print("\n\n".join(map(str, session.transcript)))
        subprocess.run(
            ["docker", "compose", "down", "-v", "--remove-orphans"],
            cwd=root,
            env=env,
            capture_output=True,
            check=False,
        )
        ours = docker("ps", "-aq", "--filter", f"label={session.label}").stdout.split()
        if ours:
            docker("rm", "-f", *ours, check=False)
        built = image_id(statement.IMAGE)
        if before:
            docker("tag", before, statement.IMAGE)
        elif built:
            docker("image", "rm", statement.IMAGE, check=False)
        for image in {built, *session.images} - {before, ""}:
            docker("image", "rm", image, check=False)
        remove(tagged)


def step(replay: Replay, number: str, kind: str = "") -> list[statement.Command]:
    return [c for c in statement.COMMANDS if c.step == number and (not kind or c.kind == kind)]


def ok(replay: Replay, command: statement.Command, retry: float = 0) -> Outcome:
    """Run a command of the statement; assert it did what the statement says."""
    outcome = replay.run_until_ok(command, retry) if retry else replay.run(command)
    assert outcome.ok, f"the statement's command failed:\n{outcome}"
    if command.where == "api" and command.command.startswith("docker build"):
        replay.images.add(image_id(statement.IMAGE))
    return outcome


def sql(replay: Replay, query: str) -> Outcome:
    """Step 6.1's psql, as the statement types it, fed another query."""
    psql = step(replay, "6.1")[0]
    return replay.run_until_ok(dataclasses.replace(psql, input=query, expect=""), 60)


def test_parts_1_and_2_hello_world_and_alpine(replay: Replay) -> None:
    for command in statement.commands(1, 2):
        ok(replay, command)
    uname = replay.transcript[-1].output
    assert "Linux" in uname, f"`uname -a` inside the container said:\n{uname}"


def test_part_3_build_in_api(replay: Replay) -> None:
    (build,) = step(replay, "3.3")
    assert build.command == "docker build -t simple-api ." and build.where == "api"
    ok(replay, build)
    labels = docker("image", "inspect", "-f", "{{json .Config.Labels}}", "simple-api").stdout
    assert '"tp1-lab-kit.image":"api"' in labels, "not the kit's multi-stage image"


def test_part_4_run_curl_ps_stop(replay: Replay) -> None:
    run, curl, ps = step(replay, "4.1") + step(replay, "4.2") + step(replay, "4.3")
    ok(replay, run)
    assert ok(replay, curl, retry=60).stdout.strip() == '{"status":"ok"}'
    assert replay.server in ok(replay, ps).output
    stop, ps_after, ps_all = step(replay, "4.4")
    ok(replay, stop)
    assert replay.server not in ok(replay, ps_after).output
    assert replay.server in ok(replay, ps_all).output


def test_part_5_layout_compose_up_ps_health_down(replay: Replay) -> None:
    for name in statement.LAYOUT:
        assert (replay.root / name).is_file(), f"step 5.1's layout has no {name}"
    up, ps = step(replay, "5.3")
    ok(replay, up)
    listed = ok(replay, ps).output
    assert "db" in listed and "api" in listed
    ok(replay, step(replay, "5.4")[0], retry=60)
    ok(replay, step(replay, "5.5")[0])
    project = f"label=com.docker.compose.project={replay.env['COMPOSE_PROJECT_NAME']}"
    assert not docker("ps", "-aq", "--filter", project).stdout.strip(), "down left containers"


def test_part_6_psql_and_what_down_keeps(replay: Replay) -> None:
    for command in step(replay, "6.0"):
        ok(replay, command)
    (psql,) = step(replay, "6.1")
    session = ok(replay, psql, retry=60).output
    assert "PostgreSQL" in session and "demo" in session
    sql(replay, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here');")
    down, down_volumes = step(replay, "6.4")
    ok(replay, down)
    ok(replay, step(replay, "6.0")[0])
    assert "still here" in sql(replay, "SELECT note FROM kept;").output, "down lost the data"
    ok(replay, down_volumes)
    ok(replay, step(replay, "6.0")[0])
    gone = sql(replay, "SELECT to_regclass('kept') IS NULL AS gone;").output
    assert " t\n" in gone, f"down -v kept the data:\n{gone}"


def test_part_7_logs_shell_restart_break_repair_prune(replay: Replay) -> None:
    ok(replay, step(replay, "7.0")[0])
    ok(replay, step(replay, "7.1")[0])
    ok(replay, step(replay, "7.2")[0])
    restart, curl = step(replay, "7.3")
    ok(replay, restart)
    ok(replay, curl, retry=60)
    edit, build, up, logs = step(replay, "7.4")
    app_py = replay.root / edit.path
    good = app_py.read_text(encoding="utf-8")
    ok(replay, edit)
    assert "appi = FastAPI(" in app_py.read_text(encoding="utf-8")
    ok(replay, build)
    ok(replay, up)
    ok(replay, logs)  # expects uvicorn's `Attribute "app" not found`
    broken = image_id(statement.IMAGE)
    app_py.write_text(good, encoding="utf-8")
    ok(replay, up)
    ok(replay, curl, retry=60)
    assert image_id(statement.IMAGE) != broken
    containers, images = step(replay, "7.5")
    assert containers.command == "docker container prune"
    assert images.command == "docker image prune"
    pruned = ok(replay, containers)
    assert replay.server in pruned.output, "the stopped container of step 4.1 was not pruned"
    assert "--filter label=tp1-verbatim=" in pruned.shown
    images_pruned = ok(replay, images)
    assert "label=com.docker.compose.project=tp1-verbatim-" in images_pruned.shown
    assert broken.removeprefix("sha256:") in images_pruned.output, "the broken image stayed"
