"""One Invoke task per step of TP1 (CSC 8613): `invoke --list`, then `invoke --help TASK`.

Every task prints the docker command it runs before running it, so the lab's
commands stay visible; `invoke --dry TASK` prints them without running anything.
Settings (ports, project name, images) come from the environment or from .env.
"""

from __future__ import annotations

import os

from invoke import Context, Exit, task

from kit import breakage, build_check, cleanup, console, dev_loop, reproducible, stack, startup
from kit import lint as lint_checks
from kit.doctor import findings
from kit.grading import options
from kit.settings import ROOT, load, port_number
from kit.shell import dry, sh, succeed
from kit.stack import ready

# Compose and `docker build .` work from the top level, wherever invoke was typed.
os.chdir(ROOT)

SERVICE_HELP = "a service of docker-compose.yml: api or db"


# ---- The lab's steps, 1 to 7.5, in the statement's order; then the dev loop beside them.
@task
def doctor(c: Context) -> None:
    """Lab step 1: check that Docker is ready for the lab, and say how to fix what is not."""
    problems = 0
    for finding in findings(load()):
        print(finding)
        problems += not finding.ok
    if problems:
        raise Exit(f"{problems} problem(s): fix them as shown above.", 1)
    print("Ready for the lab: `invoke up` starts the stack.")


@task(
    help={
        "check": "instead, build the last commit twice from clean clones, without the build "
        "cache, and compare the two images (a minute or two)"
    }
)
def build(c: Context, check: bool = False) -> None:
    """Lab step 3: build the API image (`cd api && docker build -t simple-api .`).

    From a clean checkout, on an engine that can rewrite the build's dates (buildx and
    the containerd image store), the image is the same to the byte as any clean build
    of its commit; elsewhere, the same layer contents. It says which, and how to check:
    docs/reproducible-builds.md.
    """
    settings = ready(c)
    if check and dry(c):
        raise Exit("--check builds for real: run it without --dry.", 2)
    # api/ is the build context, as in the lab: the statement's own command, or buildx's.
    if check:
        return build_check.check(c, settings)
    reproducible.build(c, settings)


@task(help={"port": "port on 127.0.0.1 to publish the API on (default: API_PORT, or 8000)"})
def run(c: Context, port: str = "") -> None:
    """Lab step 4: run the image alone (`docker run -d --name simple-api ...`), wait for /health."""
    settings = ready(c)
    port = port_number(port, "--port") if port else settings.api_port
    stack.require_room_to_run(c, settings, port)
    command = ["docker", "run", "-d", "--name", settings.run_container]
    succeed(sh(c, *command, "-p", f"127.0.0.1:{port}:8000", settings.api_image), "docker run")
    startup.wait_for_health(c, settings.run_container, port)
    print(f"API at http://127.0.0.1:{port}/health; `invoke stop` stops it.")


@task(help={"port": "port of the API on 127.0.0.1 (default: API_PORT, or 8000)"})
def health(c: Context, port: str = "") -> None:
    """Lab steps 4 and 6: GET /health, /ready and /db and print their JSON (as `curl` would)."""
    port = port_number(port, "--port") if port else load().api_port
    stack.show_endpoints(c, port)


@task
def stop(c: Context) -> None:
    """Lab step 4: stop and remove the container that `invoke run` started."""
    name = ready(c).run_container
    stack.require_run_container(c, name)
    succeed(sh(c, "docker", "stop", name), "docker stop")
    succeed(sh(c, "docker", "rm", name), "docker rm")


@task
def up(c: Context) -> None:
    """Lab step 5: build and start the stack, and return once db and api are usable."""
    settings = ready(c, ports_for="up")
    # Built once, as `invoke build` builds it; Compose then runs that very image.
    reproducible.build(c, settings)
    took = startup.up_until_usable(c, settings, "up", "-d", "--no-build", what="The stack")
    startup.show_stack(c, settings, took)


@task
def ps(c: Context) -> None:
    """Lab step 5: list the stack's containers (`docker compose ps`)."""
    ready(c)
    succeed(sh(c, "docker", "compose", "ps"), "docker compose ps")


@task(help={"volumes": "also delete the database volume: its data is lost (`down -v`)"})
def down(c: Context, volumes: bool = False) -> None:
    """Lab steps 5 and 6: remove the stack's containers and network (`docker compose down`)."""
    ready(c)
    succeed(sh(c, "docker", "compose", "down", *(["-v"] if volumes else [])), "docker compose down")


@task(help={"command": 'SQL to run, e.g. "SELECT version();" (default: an interactive psql)'})
def psql(c: Context, command: str | None = None) -> None:
    """Lab step 6: psql in the db container (`docker compose exec db psql -U demo -d demo`)."""
    settings = ready(c, service="db")
    sql = ["-v", "ON_ERROR_STOP=1", "-c", command] if command is not None else []
    words = ["psql", "-U", settings.postgres_user, "-d", settings.postgres_db, *sql]
    stack.exec_in(c, "db", *words, tty=command is None, failure="psql failed: its error is above")


@task(positional=["service"], help={"service": SERVICE_HELP, "follow": "keep printing new lines"})
def logs(c: Context, service: str, follow: bool = False) -> None:
    """Lab step 7.1: print a service's logs (`docker compose logs [-f] SERVICE`)."""
    ready(c, service=service, running=False)
    words = ["docker", "compose", "logs", *(["-f"] if follow else []), service]
    succeed(sh(c, *words), "docker compose logs")


@task(
    positional=["service"],
    help={"service": SERVICE_HELP, "command": "run this in sh -c instead of an interactive sh"},
)
def shell(c: Context, service: str, command: str | None = None) -> None:
    """Lab step 7.2: a shell in a running service (`docker compose exec SERVICE sh`)."""
    ready(c, service=service)
    script = ["-c", command] if command is not None else []
    failure = f"The command in {service} failed"
    stack.exec_in(c, service, "sh", *script, tty=command is None, failure=failure)


@task(positional=["service"], help={"service": SERVICE_HELP})
def restart(c: Context, service: str) -> None:
    """Lab step 7.3: restart one service (`docker compose restart SERVICE`), wait until usable."""
    # Any state will do: restarting a crashed or stopped service is the point.
    settings = ready(c, service=service, running=False)
    succeed(sh(c, "docker", "compose", "restart", service), "docker compose restart")
    startup.usable_again(c, settings, service)


@task(name="break-app")
def break_app(c: Context) -> None:
    """Lab step 7.4: run an image whose app.py names `app` `appi`, and diagnose the crash.

    The rename happens in a temporary copy of the sources: your working tree is
    never modified. `invoke fix-app` puts the good image back.
    """
    settings = ready(c, ports_for="break-app")
    breakage.build_broken(c, settings)
    # --no-build: use the broken image just built; --force-recreate: replace a running api.
    words = ["docker", "compose", "up", "-d", "--no-build", "--force-recreate", "api"]
    succeed(sh(c, *words), "docker compose up")
    startup.diagnose_crash(c, "api")


@task(name="fix-app")
def fix_app(c: Context) -> None:
    """Lab step 7.4: rebuild the API from the clean sources and wait until it is usable."""
    settings = ready(c, ports_for="fix-app")
    reproducible.build(c, settings)
    startup.up_until_usable(
        c, settings, "up", "-d", "--no-build", "api", what="The API", services=("api",)
    )
    if not dry(c):
        print("The API is usable again.")


@task(
    help={
        "volumes": "also delete the database volume: its data is lost (asks first)",
        "all": "also run the lab's global prunes: every stopped container and dangling "
        "image on this engine, not only the kit's (asks first)",
        "yes": "with --volumes or --all, do not ask for confirmation",
    }
)
def clean(c: Context, volumes: bool = False, all: bool = False, yes: bool = False) -> None:
    """Lab step 7.5: remove this project's containers, network and images; keep the data.

    Touches only what the kit made: the stack (`docker compose down`), the
    `invoke run` container and the API image. The database volume stays, as with
    Docker's own prunes, unless --volumes is given (`down -v`).
    """
    settings = ready(c)
    console.confirm(c, cleanup.risks(volumes, all), yes)
    for what, words in cleanup.commands(settings, volumes, all, dry=dry(c)):
        succeed(sh(c, *words), what)
    if not volumes and not dry(c):
        print("The database volume is kept: `invoke clean --volumes` deletes it too.")


@task
def dev(c: Context) -> None:
    """Dev loop: the stack with the API reloading on every save under api/; Ctrl-C ends it.

    Adds docker-compose.dev.yml (a bind mount of api/ and `uvicorn --reload`) to the
    stack, then follows the API's logs. Ctrl-C stops the dev API; `invoke up`
    afterwards gives back the hardened stack. API_SOURCE mounts another folder.
    """
    settings = ready(c, ports_for="dev")
    dev_loop.poll_on_windows()
    dev_loop.start(c, settings)
    dev_loop.follow_api_logs(c, settings.api_port)
    dev_loop.stop_api(c)


# ---- For teachers: the lab replayed on students' repositories (kit/grading/). ----------
@task(positional=["repo"], help=options.GRADE)
def grade(
    c: Context,
    repo: str,
    ref: str | None = None,
    before: str | None = None,
    root: str | None = None,
    json: str | None = None,
    lang: str | None = None,
    classroom: str | None = None,
    weights: str | None = None,
) -> None:
    """For teachers and students: replay the lab statement on a repository, step by step.

    Builds, runs, curls, starts the stack, psql, logs, exec and restart as the statement
    says, on a scratch copy, with its own names and free 127.0.0.1 ports; prints a ✔/✗
    per step with the cause and the fix, and removes all it made. Refuses (exit 3), by
    name, every Compose setting not known safe (host folders, devices, capabilities...).
    Exit 0: all passed; 1: some failed; 2: not gradable; 4: none failed, some unchecked.
    """
    from kit.grading import cli

    cli.grade(repo, lang, json=json, classroom_file=classroom, weights=weights, ref=ref,
              before=before, root=root)  # fmt: skip


@task(positional=["class_list"], help=options.GRADE_CLASS)
def grade_class(
    c: Context,
    class_list: str,
    summary: str = "grades.md",
    json_dir: str = "",
    jobs: str = "1",
    ref: str | None = None,
    before: str | None = None,
    lang: str | None = None,
) -> None:
    """For teachers: `invoke grade` on each repository of a class list, and one table.

    Lines may name JSON results made by the grading workflow of students' repositories
    (or a folder of them): those are read, not graded again. Writes a row per repository
    (passed/total, the steps not passed, those that could not be checked) and how many
    passed each step, with a chart. --before (the deadline) or --ref grades the whole
    class at one state; a line's own ref wins.
    """
    from kit.grading import cli

    cli.grade_class(class_list, lang, summary, json_dir, jobs, ref=ref, before=before)


# ---- Kit maintenance: the model report, the benchmarks, the tests, the lint gates. -----
@task(help={"output": "folder for the captures (default: reports/captures)"})
def report(c: Context, output: str = "reports/captures") -> None:
    """Lab report: type every step of the statement in a terminal, on corrige/, and capture it.

    Writes, per command, the screen it left as text and as an SVG picture, plus an
    index with the environment. Needs ports 8000 and 5432 free. Removes all it
    made, even when a step fails. Takes a few minutes.
    """
    from kit.report import make_report  # rich is needed here only

    captures = make_report(ROOT / output)
    print(f"report: {len(captures)} captures in {output}/ (index: {output}/index.md)")


@task(
    help={
        "runs": "how many times each measure is repeated (the table shows medians)",
        "load_seconds": "how long each wrk load lasts",
        "idle_seconds": "how long the host's CPU is read with each stack idle (and with none)",
        "rebuild_only": "only the rebuild after an edit, built as `invoke build` builds, into "
        "this engine's section of docs/BENCHMARKS-rebuild.md (a minute or two)",
    }
)
def bench(
    c: Context,
    runs: int = 3,
    load_seconds: int = 10,
    idle_seconds: int = 60,
    rebuild_only: bool = False,
) -> None:
    """Kit maintenance: measure the kit against the model answer corrige/ (docs/BENCHMARKS.md).

    Builds both on the same base image, measures build, rebuild, size, start-up,
    idle CPU, restart, stop, throughput, latency and memory, and writes the table
    and a chart. Needs wrk. Takes several minutes; not part of the test suite.
    """
    from kit.bench import Plan, benchmark

    if runs < 1 or load_seconds < 1 or idle_seconds < 1:
        raise Exit("--runs, --load-seconds and --idle-seconds must be at least 1.", 2)
    if rebuild_only:
        from kit.bench_rebuild import benchmark_rebuilds

        return benchmark_rebuilds(runs, ROOT / "docs" / "BENCHMARKS-rebuild.md")
    benchmark(Plan(runs, load_seconds, idle_seconds), ROOT / "docs" / "BENCHMARKS.md")


@task(help={"runs": "how many times each measure is repeated (the table shows medians)"})
def bench_grade(c: Context, runs: int = 3) -> None:
    """Kit maintenance: the time `invoke grade` takes on one repository, against the
    student's own build and start-up (docs/BENCHMARKS-grading.md). A few minutes."""
    from kit.bench_grade import benchmark_grading

    if runs < 1:
        raise Exit("--runs must be at least 1.", 2)
    benchmark_grading(runs, ROOT / "docs" / "BENCHMARKS-grading.md")


@task
def test(c: Context) -> None:
    """Kit maintenance: the test suite, as the README runs it (`uv run --locked pytest`)."""
    succeed(sh(c, "uv", "run", "--locked", "pytest"), "pytest")


@task
def requirements(c: Context) -> None:
    """Kit maintenance: write api/requirements.txt, what the image installs, from uv.lock.

    Run it after `uv lock` or `uv add`: `invoke lint` fails while the two differ.
    """
    succeed(sh(c, "python", "-m", "kit.requirements"), "the export of uv.lock")


@task
def lint(c: Context) -> None:
    """Kit maintenance: every lint gate CI runs (ruff, hadolint, compose, lock, Nix flake)."""
    if failed := lint_checks.failures(c):
        raise Exit(f"lint: {len(failed)} check(s) failed: {', '.join(failed)}.", 1)
    print("lint: all checks passed.")
