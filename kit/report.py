"""`invoke report`: run the lab's steps for real and capture each one as evidence.

Every step runs in a throwaway Compose project of its own (free ports, its own
image tag), exactly as a person types it, and is written to the captures folder
as text (command, output, exit status) and as a terminal picture (SVG, by rich).
The project is removed at the end, even when a step fails.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from invoke import Exit
from rich.console import Console
from rich.text import Text

from kit import docker
from kit.settings import DEFAULT_IMAGES, ROOT, load

PROJECT = "tp1-report"
IMAGE = "simple-api:report"
RUN_CONTAINER = "simple-api-report"  # what `invoke run` names a container of IMAGE
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Step:
    slug: str
    lab: str  # the statement's step, e.g. "4.2"
    title: str  # what the step shows, in French like the report
    words: list[str]  # the command as a person types it
    stdin: str | None = None


@dataclass
class Capture:
    step: Step
    number: int
    output: str
    status: int
    seconds: float

    @property
    def name(self) -> str:
        return f"{self.number:02d}-{self.step.slug}"

    def text(self) -> str:
        command = shlex.join(self.step.words)
        if self.step.stdin is not None:
            typed = self.step.stdin.replace("\n", "\\n")
            command = f"printf '{typed}' | {command}"
        return f"$ {command}\n{self.output.rstrip()}\n[exit {self.status}, {self.seconds:.1f} s]\n"


def free_or(port: int) -> int:
    """The lab's port when it is free, else any free one, so the report never meets your stack."""
    return port if not docker.port_in_use(port) else docker.free_port()


def image_available(image: str) -> bool:
    """Whether the image is here or can be pulled (within two minutes)."""
    if docker.image_exists(image):
        return True
    try:
        pull = subprocess.run(["docker", "pull", image], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False
    return pull.returncode == 0


def demo_image(lab_image: str) -> tuple[str, str]:
    """The lab's image for steps 1 and 2 when it can be had; else the Python base, and a note."""
    if image_available(lab_image):
        return lab_image, ""
    stand_in = load().python_image
    return (
        stand_in,
        f" ({lab_image} introuvable ici, `docker pull` a échoué : même démonstration avec {stand_in})",
    )


def demo_steps() -> tuple[list[Step], str]:
    """Lab steps 1 and 2 with hello-world and alpine, or the same with another image."""
    hello_image, hello_note = demo_image("hello-world")
    image, note = demo_image("alpine")
    hello = ["docker", "run", "--name", f"{PROJECT}-hello", hello_image]
    if hello_image != "hello-world":
        hello += ["echo", "Hello from Docker!"]
    echo = ["docker", "run", "--name", f"{PROJECT}-echo", image, "echo"]
    steps = [
        Step("hello-world", "1.2", "Vérifier l'installation" + hello_note, hello),
        Step(
            "ps-all",
            "1.3",
            "Tous les conteneurs (du rapport)",
            ["docker", "ps", "-a", "--filter", f"name=^{PROJECT}-"],
        ),
        Step(
            "run-echo",
            "2.1",
            "Une commande, puis l'arrêt" + note,
            [*echo, "Bonjour depuis un conteneur Alpine"],
        ),
        Step(
            "ps-exited",
            "2.2",
            "Le conteneur est « Exited »",
            ["docker", "ps", "-a", "--filter", f"name=^{PROJECT}-echo$"],
        ),
        Step(
            "interactive",
            "2.3",
            "Un shell interactif" + note,
            ["docker", "run", "--rm", "-i", image, "sh"],
            stdin="ls\nuname -a\nexit\n",
        ),
        Step(
            "remove-demo",
            "2",
            "Retirer ces conteneurs",
            ["docker", "rm", f"{PROJECT}-hello", f"{PROJECT}-echo"],
        ),
    ]
    return steps, (hello_note + note).strip() or "run with the public images hello-world and alpine"


def lab_steps(run_port: int) -> list[Step]:
    """Lab steps 3 to 7, through the kit's tasks."""
    port = ["--port", str(run_port)]
    ps = ["docker", "ps", "--filter", f"name=^{RUN_CONTAINER}$"]
    ps_all = ["docker", "ps", "-a", "--filter", f"name=^{RUN_CONTAINER}$"]
    volumes = ["docker", "volume", "ls", "--filter", f"name=^{PROJECT}_"]
    return [
        Step("build", "3.3", "Construire l'image", ["invoke", "build"]),
        Step("run", "4.1", "Lancer le conteneur seul", ["invoke", "run", *port]),
        Step("run-health", "4.2", "Tester /health", ["invoke", "health", *port]),
        Step("run-ps", "4.3", "Le conteneur dans docker ps", ps),
        Step("run-docker-stop", "4.4", "Arrêter le conteneur", ["docker", "stop", RUN_CONTAINER]),
        Step("run-ps-after-stop", "4.4", "Plus dans docker ps…", ps),
        Step("run-ps-all-after-stop", "4.4", "…mais encore dans docker ps -a", ps_all),
        Step("run-remove", "4.4", "Le retirer (invoke stop)", ["invoke", "stop"]),
        Step("up", "5.3", "Démarrer la stack", ["invoke", "up"]),
        Step("ps", "5.3", "Les services de la stack", ["invoke", "ps"]),
        Step("health", "5.4", "/health, /ready et /db via Compose", ["invoke", "health"]),
        Step(
            "psql-version",
            "6.2",
            "SELECT version();",
            ["invoke", "psql", "--command", "SELECT version();"],
        ),
        Step(
            "psql-database",
            "6.2",
            "SELECT current_database();",
            ["invoke", "psql", "--command", "SELECT current_database();"],
        ),
        Step("logs", "7.1", "Les logs après une requête /health", ["invoke", "logs", "api"]),
        Step(
            "shell",
            "7.2",
            "Un shell dans l'API",
            ["invoke", "shell", "api", "--command", "ls; python --version"],
        ),
        Step("restart", "7.3", "Redémarrer l'API", ["invoke", "restart", "api"]),
        Step("health-after-restart", "7.3", "/health après le redémarrage", ["invoke", "health"]),
        Step(
            "break-app", "7.4", "Casser l'app (app → appi), diagnostiquer", ["invoke", "break-app"]
        ),
        Step("break-app-logs", "7.4", "Les logs de l'API cassée", ["invoke", "logs", "api"]),
        Step("fix-app", "7.4", "Réparer", ["invoke", "fix-app"]),
        Step("down", "5.5", "Arrêter la stack (les données restent)", ["invoke", "down"]),
        Step("volume-kept", "6.4", "Le volume existe toujours", volumes),
        Step(
            "down-volumes",
            "6.4",
            "down -v : supprimer aussi le volume",
            ["invoke", "down", "--volumes"],
        ),
        Step("volume-gone", "6.4", "Le volume a disparu", volumes),
        Step("clean", "7.5", "Nettoyer ce que le projet a laissé", ["invoke", "clean"]),
    ]


def run_step(step: Step, env: dict[str, str]) -> tuple[str, int, float]:
    argv = (
        [sys.executable, "-m", "invoke", *step.words[1:]]
        if step.words[0] == "invoke"
        else step.words
    )
    started = time.monotonic()
    # Bytes both ways: what a person types reaches the container with `\n` line ends
    # on every platform, and the output is read as UTF-8, whatever the locale.
    result = subprocess.run(
        argv,
        cwd=ROOT,
        env=env,
        input=(step.stdin or "").encode(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=600,
        check=False,
    )
    output = result.stdout.decode("utf-8", errors="replace")
    return output, result.returncode, time.monotonic() - started


def write(capture: Capture, folder: Path) -> None:
    text = capture.text()
    (folder / f"{capture.name}.txt").write_text(ANSI.sub("", text), encoding="utf-8")
    console = Console(record=True, width=110, file=io.StringIO(), force_terminal=True)
    console.print(Text.from_ansi(text), soft_wrap=False, overflow="fold")
    title = f"TP1 {capture.step.lab} — {capture.step.title}"
    console.save_svg(str(folder / f"{capture.name}.svg"), title=title)


def environment(env: dict[str, str], api_port: int, db_port: int, demo_note: str) -> list[str]:
    def out(*words: str) -> str:
        return subprocess.run(
            words, capture_output=True, text=True, encoding="utf-8", check=False
        ).stdout.strip()

    return [
        f"- date (UTC): {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
        f"- machine: {platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} cores",
        f"- Docker engine: {out('docker', 'version', '--format', '{{.Server.Version}}')}, "
        f"client {out('docker', 'version', '--format', '{{.Client.Version}}')}",
        f"- Docker Compose: {out('docker', 'compose', 'version', '--short')}",
        *(
            f"- {name}: `{env.get(name) or f'{default} (default)'}`"
            for name, default in DEFAULT_IMAGES.items()
        ),
        f"- Compose project `{PROJECT}`, image `{IMAGE}`, "
        f"API on 127.0.0.1:{api_port}, PostgreSQL on 127.0.0.1:{db_port}",
        f"- steps 1 and 2: {demo_note}",
    ]


def write_index(folder: Path, captures: list[Capture], environment_lines: list[str]) -> None:
    rows = [
        f"| {c.step.lab} | {c.step.title} | `{shlex.join(c.step.words)}` | {c.status} "
        f"| {c.seconds:.1f} s | [text]({c.name}.txt) | [picture]({c.name}.svg) |"
        for c in captures
    ]
    (folder / "index.md").write_text(
        "# Captures of `invoke report`\n\n"
        "Written by `invoke report` from a real run; never edited by hand. Regenerate with "
        "`uv run invoke report`.\n\n## Environment\n\n" + "\n".join(environment_lines) + "\n\n"
        "## Steps\n\n| lab step | what | command | exit | time | text | picture |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )


@contextmanager
def throwaway_project(env: dict[str, str]) -> Iterator[None]:
    """Remove everything the report's project made, whatever happens."""
    try:
        yield
    finally:
        quiet = {"cwd": ROOT, "env": env, "capture_output": True, "check": False}
        subprocess.run([sys.executable, "-m", "invoke", "clean"], **quiet)
        subprocess.run(
            ["docker", "rm", "-f", f"{PROJECT}-hello", f"{PROJECT}-echo", RUN_CONTAINER], **quiet
        )


def make_report(folder: Path) -> list[Capture]:
    docker.require_engine()
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("[0-9][0-9]-*.txt"), *folder.glob("[0-9][0-9]-*.svg")]:
        old.unlink()
    api_port, db_port = free_or(8000), free_or(5432)
    run_port = free_or(8001) if api_port != 8001 else free_or(8002)
    demo, demo_note = demo_steps()
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": PROJECT,
        "API_PORT": str(api_port),
        "DB_PORT": str(db_port),
        "API_IMAGE": IMAGE,
        "NO_COLOR": "1",
    }
    plan = demo + lab_steps(run_port)
    captures: list[Capture] = []
    with throwaway_project(env):
        for number, step in enumerate(plan, 1):
            print(f"[{number:2d}/{len(plan)}] {shlex.join(step.words)}", end=" ... ", flush=True)
            if step.slug == "logs":  # the lab's step 7.1: a request first, then its trace
                run_step(Step("request", "7.1", "", ["invoke", "health"]), env)
            output, status, seconds = run_step(step, env)
            capture = Capture(step, number, output, status, seconds)
            write(capture, folder)
            captures.append(capture)
            print(f"exit {status} ({seconds:.1f} s)")
            if status != 0:
                raise Exit(
                    f"report: step {capture.name} exited {status}: see {folder / capture.name}.txt",
                    1,
                )
    write_index(folder, captures, environment(env, api_port, db_port, demo_note))
    return captures
