"""`invoke bench --rebuild-only`: the rebuild after an edit of app.py, the kit's build
against the statement's Dockerfile, on the engine running now.

The kit's side is built as `invoke build` builds (kit/reproducible.py) in a Git
repository of its own holding api/: an edit not committed takes the lab's `docker
build` (no other build could match it), an edit committed takes the reproducible
export where the engine can. The statement's side (corrige/, its base image a variable:
kit/corrige.py) is built with its own `docker build`, on the same base image, in the
same run. Each engine has its own section in docs/BENCHMARKS-rebuild.md; a run
replaces the section of its engine.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from kit import corrige, dates, docker, reproducible
from kit.bench import engine_version, machine, run, spread, timed
from kit.breakage import copy_build_context
from kit.settings import load

EDIT = "rebuild after an app.py edit (s)"
COMMITTED = "rebuild after an app.py edit, committed (s)"
TAGS = {"naive": "simple-api-naive:bench-rebuild", "ours": "simple-api:bench-rebuild"}
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org"]


def edit(app_py: Path) -> None:
    app_py.write_text(
        app_py.read_text(encoding="utf-8") + f"# edit {time.time_ns()}\n", encoding="utf-8"
    )


def kit_build(repo: Path) -> tuple[float, reproducible.Way]:
    """Time one build as `invoke build` makes it: dating, trying the engine, the commands."""
    settings = load()
    started = time.monotonic()
    dates.date_as_committed(repo)
    way, commit = reproducible.plan(repo)
    with tempfile.TemporaryDirectory(prefix="tp1-bench-") as tmp:
        archive = str(Path(tmp) / "image.tar")
        for step in reproducible.steps(
            way, settings, commit, archive, context=str(repo / "api"), tag=TAGS["ours"]
        ):
            run(step.words, {**os.environ, **step.env})
    return time.monotonic() - started, way


def git(repo: Path, *words: str) -> None:
    subprocess.run([*GIT, *words], cwd=repo, capture_output=True, check=True)


def measure(runs: int, progress) -> tuple[dict[str, dict[str, list[float]]], reproducible.Way]:
    results: dict[str, dict[str, list[float]]] = {"naive": {}, "ours": {}}
    base = ["--build-arg", f"PYTHON_IMAGE={load().python_image}"]
    naive_build = ["docker", "build", "-q", *base, "-t", TAGS["naive"]]
    with tempfile.TemporaryDirectory(prefix="tp1-bench-rebuild-") as tmp:
        naive = corrige.parametrised(Path(tmp) / "naive") / "api"
        repo = Path(tmp) / "ours"
        copy_build_context(repo)
        git(repo, "init", "-q")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "bench")
        progress("first builds (not measured)")
        run([*naive_build, str(naive)])
        _, way = kit_build(repo)
        for i in range(runs):
            progress(f"rebuild after an app.py edit {i + 1}/{runs}: naive, then ours")
            edit(naive / "app.py")
            results["naive"].setdefault(EDIT, []).append(
                timed(lambda: run([*naive_build, str(naive)]))
            )
            edit(repo / "api" / "app.py")
            results["ours"].setdefault(EDIT, []).append(kit_build(repo)[0])
        for i in range(runs):
            progress(f"ours: rebuild after an app.py edit, committed {i + 1}/{runs}")
            edit(repo / "api" / "app.py")
            git(repo, "commit", "-q", "-am", f"edit {i}")
            results["ours"].setdefault(COMMITTED, []).append(kit_build(repo)[0])
    return results, way


def benchmark_rebuilds(runs: int, out: Path) -> None:
    docker.require_engine()

    def progress(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    try:
        results, way = measure(runs, progress)
    finally:
        subprocess.run(["docker", "image", "rm", *TAGS.values()], capture_output=True)
        prune = ["docker", "image", "prune", "-f", "--filter", "label=tp1-lab-kit.image=api"]
        subprocess.run(prune, capture_output=True)
    engine = engine_name()
    write(out, engine, section(engine, results, way, runs))
    progress(f"wrote the section '{engine}' of {out.name}")


def engine_name() -> str:
    """The engine's version and image store, as the section's title."""
    version = engine_version()
    status = run(["docker", "info", "--format", "{{json .DriverStatus}}"]).stdout
    store = "containerd image store" if "io.containerd.snapshotter" in status else "classic store"
    return f"Docker engine {version}, {store}"


def section(engine: str, results: dict, way: reproducible.Way, runs: int) -> str:
    how = (
        f"reproducible export ({way.driver} driver: "
        + ("OCI archive, then `docker load`)" if way.driver == "docker" else "buildx loads it)")
        if way.rewrite
        else f"the lab's `docker build` ({way.why_not})"
    )
    naive_edit = statistics.median(results["naive"][EDIT])
    rows = []
    for metric, values in results["ours"].items():
        ratio = statistics.median(values) / naive_edit
        target = "≤ 0.1× naive" if metric == EDIT else ""
        verdict = ("met" if ratio <= 0.1 else "**missed**") if target else ""
        naive = spread(results["naive"][EDIT]) if metric == EDIT else "—"
        rows.append(
            f"| {metric} | {naive} | {spread(values)} | {ratio:.2f}× | {target} | {verdict} |"
        )
    return (
        f"## {engine}\n\n"
        f"- date (UTC): {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}\n"
        f"- machine: {machine()}; base image `{load().python_image}`\n"
        f"- each figure: median of {runs} run(s) (min–max); an edit appends a comment line to "
        "app.py; the ratio of the second row is to the naive edit-rebuild too\n"
        f"- a committed edit, on this engine, is built by {how}\n\n"
        "| metric | naive | ours | ours / naive | target for ours | |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


HEADER = (
    "# Benchmarks: the rebuild after an edit, on each engine\n\n"
    "Written by `invoke bench --rebuild-only` (kit/bench_rebuild.py), one section per engine: "
    "a run replaces the section of the engine it ran on. Never edited by hand. Reproduce, on "
    "the engine to measure:\n\n"
    "```bash\nuv run invoke bench --rebuild-only --runs 3\n```\n\n"
    "naive: `corrige/` (the statement's Dockerfile, which copies app.py before "
    "`pip install`); ours: the kit's build of `api/`, as `invoke build` makes it. What the "
    "figures mean: [reproducible-builds.md](reproducible-builds.md).\n"
)


def write(out: Path, engine: str, text: str) -> None:
    """Replace (or add) the engine's section; keep the others in their order."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    sections = re.split(r"(?m)^(?=## )", old)[1:]
    titled = f"## {engine}\n"
    kept = [text if s.startswith(titled) else s for s in sections]
    if not any(s.startswith(titled) for s in sections):
        kept.append(text)
    body = "\n".join(s.rstrip() + "\n" for s in kept)
    out.write_text(f"{HEADER}\n{body}", encoding="utf-8")
