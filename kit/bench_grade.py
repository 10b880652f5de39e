"""`invoke bench-grade`: how long `invoke grade` takes on one repository, against the
work the student's own files make any replay do.

The repository is the statement-shaped model answer (corrige/), its base images, ports and API
image as variables (kit/corrige.py) so that it runs beside anything else.
Baseline, in the same run: its own `docker build` in api/, then `docker compose up -d
--build` until /health answers, then `docker compose down -v`: the build, pip install
and start-up that no grader can skip. Each is measured cold (a first build: the layer
that runs `pip install` is made anew) and warm (everything cached, as when a student
grades their repository a second time). Results go to docs/BENCHMARKS-grading.md.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from invoke import Exit

from kit import corrige, docker, quiet, standins, statement
from kit.bench import engine_version, machine, spread, timed
from kit.http import get
from kit.settings import DEFAULT_IMAGES, ROOT
from kit.wait import poll


def student_copy(folder: Path, cold: bool) -> Path:
    """The model answer (corrige/) as a student's repository holds it; cold: a Dockerfile
    whose `pip install` layer was never built before."""
    corrige.parametrised(folder)
    if cold:
        dockerfile = folder / "api" / "Dockerfile"
        fresh = f"ENV BENCH_RUN={uuid.uuid4().hex}\nRUN pip install"
        text = dockerfile.read_text(encoding="utf-8").replace("RUN pip install", fresh)
        dockerfile.write_text(text, encoding="utf-8")
    (folder / "reports").mkdir()
    parts = "".join(f"## {n}. {statement.title(str(n))}\n\n" for n in range(1, 9))
    (folder / "reports" / "rapport.md").write_text(f"# Rapport\n\n{parts}", encoding="utf-8")
    return folder


def must(words: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run a command of the baseline; one line and exit 1 if it fails."""
    result = quiet.run(words, cwd=cwd, env=env)
    if result.returncode != 0:
        raise Exit(f"{' '.join(words)}: {result.stderr[-500:]}", 1)


def by_hand(repo: Path) -> float:
    """The student's own build and start-up, to /health, then down: the baseline."""
    project = f"tp1-benchgrade-{uuid.uuid4().hex[:8]}"
    port = docker.free_port()
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_IMAGE")}
    env = clean | {"COMPOSE_PROJECT_NAME": project, "API_PORT": str(port),
                   "DB_PORT": str(docker.free_port()), "API_IMAGE": f"{project}-api"}  # fmt: skip
    started = time.monotonic()
    try:
        must(["docker", "build", "-q", "-t", f"{project}-api", "."], repo / "api", env)
        must(["docker", "compose", "up", "-d", "--build"], repo, env)
        url = f"http://127.0.0.1:{port}/health"
        if not poll(lambda: get(url, timeout=2)[0] == 200, 120, interval=0.2):
            raise Exit("the statement's API did not answer /health within 120 s", 1)
        return time.monotonic() - started
    finally:
        must(["docker", "compose", "down", "-v"], repo, env)
        subprocess.run(["docker", "image", "rm", f"{project}-api"], capture_output=True)


def graded(repo: Path) -> float:
    """`invoke grade` on repo, which must pass every check (else it measured a failure)."""
    command = [sys.executable, "-m", "invoke", "grade", str(repo)]
    result: list[subprocess.CompletedProcess[bytes]] = []
    seconds = timed(lambda: result.append(subprocess.run(command, cwd=ROOT, capture_output=True)))
    if result[0].returncode != 0:
        print(result[0].stdout.decode("utf-8", "replace")[-2000:])
        raise Exit("bench-grade: invoke grade did not pass on the model answer (corrige/).", 1)
    return seconds


def benchmark_grading(runs: int, out: Path) -> None:
    docker.require_engine()
    local_python, local_postgres = os.environ.get("PYTHON_IMAGE"), os.environ.get("POSTGRES_IMAGE")
    made = standins.stand_in_under(local_python, DEFAULT_IMAGES["PYTHON_IMAGE"])
    made += standins.stand_in_under(local_postgres, "postgres:16")
    results: dict[str, list[float]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="tp1-bench-grade-") as scratch:
            for i in range(runs):
                for cold in (True, False):
                    kind = "cold" if cold else "warm"
                    print(f"[{time.strftime('%H:%M:%S')}] run {i + 1}/{runs}, {kind}", flush=True)
                    # Each side gets its own copy: cold, each builds its pip layer anew.
                    by_hand_copy = student_copy(Path(scratch) / f"{i}-{kind}-hand", cold)
                    results.setdefault(f"by hand, {kind} (s)", []).append(by_hand(by_hand_copy))
                    grade_copy = student_copy(Path(scratch) / f"{i}-{kind}-grade", cold)
                    results.setdefault(f"invoke grade, {kind} (s)", []).append(graded(grade_copy))
    finally:
        standins.remove(made)
    write(results, runs, out)


def write(results: dict[str, list[float]], runs: int, out: Path) -> None:
    engine = engine_version()
    rows = []
    for kind in ("cold", "warm"):
        hand = results[f"by hand, {kind} (s)"]
        grade = results[f"invoke grade, {kind} (s)"]
        ratio = statistics.median(grade) / statistics.median(hand)
        rows.append(f"| {kind} | {spread(hand)} | {spread(grade)} | {ratio:.2f}× |")
    images = " ".join(f"{k}={os.environ[k]}" for k in ("PYTHON_IMAGE", "POSTGRES_IMAGE")
                      if k in os.environ)  # fmt: skip
    reproduce = f"{images} uv run invoke bench-grade --runs {runs}".strip()
    out.write_text(
        "# Benchmark: the time to grade one repository\n\n"
        "Written by `invoke bench-grade` from one run; never edited by hand. Reproduce with:\n\n"
        f"```bash\n{reproduce}\n```\n\n"
        f"- date (UTC): {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}\n"
        f"- machine: {machine()}; Docker engine {engine}\n"
        "- repository: the statement-shaped model answer (`corrige/`), base images, ports and "
        "API image as variables\n"
        "- by hand (the baseline): its `docker build` in `api/`, `docker compose up -d "
        "--build` until `/health` answers, `docker compose down -v`\n"
        "- `invoke grade`: every check of parts 3 to 8, cleanup included\n"
        "- cold: the layer that runs `pip install` is built anew (a student's first "
        "build); warm: all cached\n"
        f"- each figure: median of {runs} run(s) (min–max)\n\n"
        "| build cache | by hand (s) | invoke grade (s) | grade / by hand |\n"
        "|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out.relative_to(ROOT)}")
