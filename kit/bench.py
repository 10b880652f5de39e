"""`invoke bench`: the kit against the model answer (corrige/), measured side by side.

Both sides are built on the same base image in the same run and measured the same
way, several times; the results (median, min, max) go to docs/BENCHMARKS.md with a
chart of the ratios. The benchmark uses its own Compose projects, image tags and
free ports, and removes all of them at the end, even when a step fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from invoke import Exit

from kit import corrige, docker
from kit import usable as kit_usable
from kit.breakage import copy_build_context
from kit.chart import ratio_chart
from kit.http import get
from kit.settings import ROOT, Settings, load
from kit.wait import poll


@dataclass
class Side:
    """One side of the comparison: its build context, Compose file, names and ports."""

    name: str
    context: Path
    dockerfile: Path
    compose_file: Path
    project: str
    image: str
    api_port: int = field(default_factory=docker.free_port)
    db_port: int = field(default_factory=docker.free_port)
    results: dict[str, list[float]] = field(default_factory=dict)
    # Volumes the engine made for the image's VOLUME (the naive db declares none):
    # `down` leaves them behind, so they are removed at the very end.
    anonymous_volumes: set[str] = field(default_factory=set)
    # Every image its builds made: a rebuild leaves the one before it untagged.
    built: set[str] = field(default_factory=set)

    @functools.cached_property
    def settings(self) -> Settings:
        """The kit's settings with this side's ports: what `usable` asks the host about."""
        return dataclasses.replace(load(), api_port=self.api_port, db_port=self.db_port)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "COMPOSE_PROJECT_NAME": self.project,
            "API_IMAGE": self.image,
            "API_PORT": str(self.api_port),
            "DB_PORT": str(self.db_port),
        }

    def record(self, metric: str, value: float) -> None:
        self.results.setdefault(metric, []).append(value)

    def compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        if args[0] == "down":
            ids = run(["docker", "compose", "-f", str(self.compose_file), "ps", "-aq"], self.env)
            for container in ids.stdout.split():
                mounts = run(
                    [
                        "docker",
                        "inspect",
                        "-f",
                        '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}',
                        container,
                    ]
                ).stdout.split()
                self.anonymous_volumes |= {m for m in mounts if re.fullmatch(r"[0-9a-f]{64}", m)}
        return run(["docker", "compose", "-f", str(self.compose_file), *args], self.env)

    def build(self, *extra: str) -> float:
        args = load().build_arg_words
        command = [
            "docker",
            "build",
            "-q",
            *extra,
            *args,
            "-f",
            str(self.dockerfile),
            "-t",
            self.image,
            str(self.context),
        ]
        return timed(lambda: self.built.add(run(command, self.env).stdout.strip()))

    def api_container(self) -> str:
        return f"{self.project}-api-1"


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", check=False
    )
    if result.returncode != 0:
        raise Exit(f"bench: `{' '.join(command)}` failed: {docker.last_line(result)}", 1)
    return result


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def wait_for(probe: Callable[[], bool], what: str, timeout: float = 120) -> None:
    if not poll(probe, timeout, interval=0.05):
        raise Exit(f"bench: timed out after {timeout:g} s waiting for {what}", 1)


def usable(side: Side) -> bool:
    """The same finish line for both sides, from the host, as `invoke up` draws it: the API
    answers (ours: /ready, which needs the database; the naive API has only /health) and
    PostgreSQL takes a TCP login on its published port."""
    path = "/ready" if side.name == "ours" else "/health"
    if get(f"http://127.0.0.1:{side.api_port}{path}", timeout=2)[0] != 200:
        return False
    return kit_usable.db_takes_logins(side.settings)


def up_time(side: Side) -> float:
    """From a plain `docker compose up -d`, as the statement types it, to a usable stack."""
    started = time.monotonic()
    side.compose("up", "-d")
    wait_for(lambda: usable(side), f"the {side.name} stack")
    return time.monotonic() - started


def restart_time(side: Side) -> float:
    """Restarting the API until usable again: ours as users type it (`invoke restart api`,
    which waits for /ready); the naive side with Compose, then polled for /health."""
    started = time.monotonic()
    if side.name == "ours":
        run([sys.executable, "-m", "invoke", "restart", "api"], side.env)
    else:
        side.compose("restart", "api")
        wait_for(lambda: usable(side), "the naive API after its restart")
    return time.monotonic() - started


def busy_cores(seconds: float) -> float:
    """How many of the host's cores were busy, on average, over the next `seconds`
    (/proc/stat: everything but idle and iowait)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="utf-8") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    busy_before, total_before = sample()
    time.sleep(seconds)  # a measurement window, not a synchronisation
    busy_after, total_after = sample()
    return (busy_after - busy_before) / (total_after - total_before) * (os.cpu_count() or 1)


def mebibytes(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)\s*([KMG]?i?B)", text.strip()).groups()
    return float(number) * {"B": 2**-20, "KiB": 2**-10, "MiB": 1, "GiB": 2**10}[unit]


def memory(container: str) -> float:
    usage = run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container]).stdout
    return mebibytes(usage.split("/")[0])


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    peak_memory: float


def wrk(side: Side, seconds: int) -> Load:
    """wrk at 50 connections on /health, sampling the API container's memory meanwhile."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], memory(side.api_container()))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        url = f"http://127.0.0.1:{side.api_port}/health"
        out = run(["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url]).stdout
    finally:
        done.set()
        sampler.join()
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)$", out, re.MULTILINE))
    errors = sum(
        map(
            int,
            re.findall(
                r"(?:Non-2xx or 3xx responses|connect|read|write|timeout)"
                r":? (\d+)",
                out,
            ),
        )
    )
    return Load(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=milliseconds(latency["50"]),
        p99_ms=milliseconds(latency["99"]),
        errors=errors,
        peak_memory=peak[0],
    )


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def image_mib(image: str) -> float:
    return int(run(["docker", "image", "inspect", "-f", "{{.Size}}", image]).stdout) / 2**20


@dataclass(frozen=True)
class Plan:
    runs: int
    load_seconds: int
    idle_seconds: int
    # Busy cores of the machine with neither stack up, measured once at the start.
    baseline_cores: float = 0.0


def measure(side: Side, plan: Plan, progress: Callable[[str], None]) -> None:
    runs, load_seconds = plan.runs, plan.load_seconds
    base = load().python_image
    for i in range(runs):
        progress(f"{side.name}: cold build {i + 1}/{runs}")
        side.record("cold build (s)", side.build("--no-cache"))
    for i in range(runs):
        progress(f"{side.name}: rebuild after an app.py edit {i + 1}/{runs}")
        app_py = side.context / "app.py"
        edited = app_py.read_text(encoding="utf-8") + f"\n# bench edit {time.time()}\n"
        app_py.write_text(edited, encoding="utf-8")
        side.record("rebuild after app.py edit (s)", side.build())
    side.record("image size over the base (MiB)", image_mib(side.image) - image_mib(base))
    if side.name == "ours":
        du = ["docker", "run", "--rm", "--entrypoint", "du", side.image, "-sk", "/opt/venv"]
        side.record("runtime venv (MiB)", int(run(du).stdout.split()[0]) / 1024)
    for i in range(runs):
        progress(f"{side.name}: up with a fresh volume, with the existing one, stop {i + 1}/{runs}")
        side.compose("down", "-v")
        side.record("up to usable, fresh volume (s)", up_time(side))
        side.compose("down")
        side.record("up to usable, existing volume (s)", up_time(side))
        side.record(
            "docker stop of the API (s)",
            timed(lambda: run(["docker", "stop", side.api_container()])),
        )
        side.compose("down")
    up_time(side)
    time.sleep(3)  # idle means idle: let start-up settle before reading memory
    side.record("API memory, idle (MiB)", memory(side.api_container()))
    progress(f"{side.name}: host CPU of the idle stack, {plan.idle_seconds} s")
    idle = busy_cores(plan.idle_seconds) - plan.baseline_cores
    side.record("idle stack, host CPU above the baseline (cores)", idle)
    for i in range(runs):
        progress(f"{side.name}: restart the API until usable {i + 1}/{runs}")
        side.record("restart api to usable (s)", restart_time(side))
    for i in range(runs):
        progress(f"{side.name}: wrk, 50 connections, {load_seconds} s {i + 1}/{runs}")
        under_load = wrk(side, load_seconds)
        side.record("/health requests per second", under_load.requests_per_second)
        side.record("/health latency p50 (ms)", under_load.p50_ms)
        side.record("/health latency p99 (ms)", under_load.p99_ms)
        side.record("/health errors under load", under_load.errors)
        side.record("API memory under load, peak (MiB)", under_load.peak_memory)
    side.compose("down", "-v")


@contextmanager
def sides() -> Iterator[tuple[Side, Side]]:
    """The two sides in scratch copies of their sources, removed with all they ran."""
    with tempfile.TemporaryDirectory(prefix="tp1-bench-") as tmp:
        # The statement-shaped model answer (corrige/) with its base image, ports and image name
        # as variables, so that both sides start from the same base.
        naive_dir = corrige.parametrised(Path(tmp) / "naive")
        ours_context = copy_build_context(Path(tmp) / "ours")
        naive = Side(
            "naive",
            naive_dir / "api",
            naive_dir / "api" / "Dockerfile",
            naive_dir / "docker-compose.yml",
            "tp1-bench-naive",
            "simple-api-naive:bench",
        )
        ours = Side(
            "ours",
            ours_context,
            ours_context / "Dockerfile",
            ROOT / "docker-compose.yml",
            "tp1-bench-ours",
            "simple-api:bench",
        )
        try:
            yield naive, ours
        finally:
            for side in (naive, ours):
                subprocess.run(
                    [
                        "docker",
                        "compose",
                        "-f",
                        str(side.compose_file),
                        "down",
                        "-v",
                        "--remove-orphans",
                    ],
                    env=side.env,
                    cwd=ROOT,
                    capture_output=True,
                )
                subprocess.run(["docker", "image", "rm", side.image], capture_output=True)
                if side.built:
                    remove = ["docker", "image", "rm", *sorted(side.built)]
                    subprocess.run(remove, capture_output=True)
                if side.anonymous_volumes:
                    remove = ["docker", "volume", "rm", *sorted(side.anonymous_volumes)]
                    subprocess.run(remove, capture_output=True)
            prune = ["docker", "image", "prune", "-f", "--filter", "label=tp1-lab-kit.image=api"]
            subprocess.run(prune, capture_output=True)


# metric: (target for ours, how to read the ratio ours/naive)
TARGETS: dict[str, tuple[str, Callable[[dict[str, float]], bool] | None]] = {
    "rebuild after app.py edit (s)": ("≤ 0.1× naive", lambda m: m["ratio"] <= 0.1),
    "image size over the base (MiB)": ("≤ 1.10× its venv", lambda m: m["ours"] <= 1.10 * m["venv"]),
    "up to usable, fresh volume (s)": ("≤ 1.5× naive", lambda m: m["ratio"] <= 1.5),
    # The naive stack has no named volume: its every start is a fresh one.
    "up to usable, existing volume (s)": ("≤ 1.5× naive", lambda m: m["ratio"] <= 1.5),
    "idle stack, host CPU above the baseline (cores)": ("≤ 0.02", lambda m: m["ours"] <= 0.02),
    "restart api to usable (s)": ("≤ 2.5 s", lambda m: m["ours"] <= 2.5),
    "docker stop of the API (s)": ("≤ 1 s", lambda m: m["ours"] <= 1),
    "/health requests per second": ("≥ 1.5× naive", lambda m: m["ratio"] >= 1.5),
    "/health errors under load": ("0", lambda m: m["ours"] == 0),
}
HIGHER_IS_BETTER = {"/health requests per second"}


def engine_version() -> str:
    """The Docker engine's version, as a benchmark's record names it."""
    return run(["docker", "version", "--format", "{{.Server.Version}}"]).stdout.strip()


def machine() -> str:
    """The machine a benchmark ran on, as its record names it."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, "
        f"{os.cpu_count()} cores, {memory_gib:.0f} GiB"
    )


def spread(values: list[float]) -> str:
    median = statistics.median(values)
    whole = median >= 100 or all(float(v).is_integer() for v in values)
    # Fractions of a core need a third digit.
    digits = 0 if whole else 2 if abs(median) >= 0.1 else 3
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def write_markdown(naive: Side, ours: Side, plan: Plan, out: Path) -> None:
    runs, load_seconds = plan.runs, plan.load_seconds
    rows, ratios = [], {}
    for metric, ours_values in ours.results.items():
        naive_values = naive.results.get(metric)
        median = statistics.median(ours_values)
        facts = {"ours": median, "venv": statistics.median(ours.results["runtime venv (MiB)"])}
        ratio_text = "—"
        if naive_values and statistics.median(naive_values) > 0:
            facts["ratio"] = median / statistics.median(naive_values)
            ratio_text = f"{facts['ratio']:.2f}×"
            if metric != "/health errors under load":
                ratios[metric] = facts["ratio"]
        target, check = TARGETS.get(metric, ("", None))
        verdict = "" if check is None else ("met" if check(facts) else "**missed**")
        cells = [metric, spread(naive_values) if naive_values else "—", spread(ours_values)]
        rows.append("| " + " | ".join([*cells, ratio_text, target, verdict]) + " |")
    ratio_chart(ratios, HIGHER_IS_BETTER, out.parent / "bench-ratios.svg")
    base = load().python_image
    engine = engine_version()
    images = " ".join(
        f"{k}={os.environ[k]}"
        for k in ("PYTHON_IMAGE", "POSTGRES_IMAGE", "UV_IMAGE")
        if k in os.environ
    )
    out.write_text(
        "# Benchmarks: the kit against the statement-shaped model answer (corrige/)\n\n"
        "Written by `invoke bench` from one run; never edited by hand. Reproduce with:\n\n"
        f"```bash\n{(images + ' ') if images else ''}uv run invoke bench --runs {runs} "
        f"--load-seconds {load_seconds} --idle-seconds {plan.idle_seconds}\n```\n\n"
        f"- date (UTC): {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}\n"
        f"- machine: {machine()}\n"
        f"- Docker engine {engine}; base image of both sides: `{base}`\n"
        f"- each figure: median of {runs} run(s) (min–max); load: wrk, 2 threads, "
        f"50 connections, {load_seconds} s on `/health`, access log on, as shipped; "
        f"idle CPU: one window of {plan.idle_seconds} s per side, minus the machine's "
        f"{plan.baseline_cores:.3f} busy cores with no stack up, measured first\n"
        "- naive: `corrige/` (the statement's app.py, Dockerfile and docker-compose.yml, with "
        "the base images, ports and image name as variables); "
        "ours: `api/Dockerfile` and `docker-compose.yml`\n\n"
        "| metric | naive | ours | ours / naive | target for ours | |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        "![ratios ours / naive](bench-ratios.svg)\n\n"
        "What the numbers mean, and why a target is met or missed: "
        "[benchmark-notes.md](benchmark-notes.md) (written by hand).\n",
        encoding="utf-8",
    )


def benchmark(plan: Plan, out: Path) -> None:
    docker.require_engine()
    if shutil.which("wrk") is None:
        raise Exit(
            "bench needs wrk: `apt-get install wrk` (Debian, Ubuntu) or `brew install wrk`.", 1
        )

    def progress(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    with sides() as (naive, ours):
        progress(f"the machine with no stack up: {plan.idle_seconds} s")
        plan = dataclasses.replace(plan, baseline_cores=busy_cores(plan.idle_seconds))
        for side in (naive, ours):
            measure(side, plan, progress)
        write_markdown(naive, ours, plan, out)
    progress(f"wrote {out.relative_to(ROOT)} and {out.parent.relative_to(ROOT)}/bench-ratios.svg")
