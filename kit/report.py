"""`invoke report`: replay the lab statement's own commands and capture each one as evidence.

The commands are kit/statement.py's, typed by kit/replay.py in a scratch copy of the
lab (api/ and docker-compose.yml) exactly as the statement writes them: `docker build
-t simple-api .` in api/, `docker run -p 8000:8000 simple-api`, `docker compose exec db
psql -U demo -d demo` fed step 6.2's queries... A replay differs only where a script
must (see kit/replay.py), and in what the machine needs: the base images' build
arguments when PYTHON_IMAGE or UV_IMAGE are set, other ports when 8000 or 5432 are
taken, stand-ins for public images that cannot be pulled. A few captures show what the
statement asks to observe without a command (the tree of part 5, a rebuild after an
edit, the volume after `down`). Each is written as text and as a terminal picture
(SVG, by rich); all that was started is removed at the end, even when a step fails,
and a `simple-api` image you had is given its tag back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from invoke import Exit
from rich.console import Console
from rich.text import Text

from kit import docker, standins, statement
from kit.breakage import copy_build_context
from kit.replay import Outcome, Replay, environment
from kit.settings import DEFAULT_IMAGES, ROOT, load
from kit.statement import Command

PROJECT = "tp1-report"
LABEL = f"tp1-lab-kit.report={PROJECT}"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
START_TIMEOUT = 60.0  # seconds a server or the stack gets to answer
# Outside the statement's commands: what the report shows besides, with the kit's words.
VOLUMES = f"docker volume ls --filter name=^{PROJECT}_"
RESTORE = "restaurer app.py (annuler le renommage)"


@dataclass
class Capture:
    number: int
    step: str  # the statement's number, e.g. "4.2"
    title: str  # what it shows, in French like the report
    command: str  # as it was run
    output: str
    status: int
    seconds: float
    where: str = "."
    # The command as the statement writes it: the file's name, the same at every run.
    written: str = ""

    @property
    def name(self) -> str:
        words = re.sub(r"[^a-z0-9]+", "-", (self.written or self.command).lower()).strip("-")
        return f"{self.number:02d}-{self.step.replace('.', '-')}-{words[:36].rstrip('-')}"

    def text(self) -> str:
        prompt = "api/ $" if self.where == "api" else "$"
        status = f"[exit {self.status}, {self.seconds:.1f} s]"
        return f"{prompt} {self.command}\n{self.output.rstrip()}\n{status}\n"


def free_or(port: int) -> int:
    """The lab's port when it is free, else any free one, so the report never meets your stack."""
    return port if not docker.port_in_use(port) else docker.free_port()


def layout(lab: Path) -> str:
    """The lab's folder as part 5, step 1 draws it (hidden files aside)."""
    lines = ["."]
    entries = sorted(p for p in lab.iterdir() if not p.name.startswith("."))
    for i, entry in enumerate(entries):
        last = i == len(entries) - 1
        lines.append(f"{'└──' if last else '├──'} {entry.name}{'/' if entry.is_dir() else ''}")
        if entry.is_dir():
            inner = sorted(p.name for p in entry.iterdir() if p.name != "__pycache__")
            for j, name in enumerate(inner):
                branch = "└──" if j == len(inner) - 1 else "├──"
                lines.append(f"{'    ' if last else '│   '}{branch} {name}")
    return "\n".join(lines)


class Recorder:
    """Runs the statement's commands through a Replay and captures each one."""

    def __init__(self, replay: Replay, folder: Path) -> None:
        self.replay = replay
        self.folder = folder
        self.captures: list[Capture] = []
        self.built: set[str] = set()  # ids of the images the replay's builds made

    def keep(self, step: str, title: str, command: str, output: str, status: int,
             seconds: float, where: str = ".", written: str = "") -> Capture:  # fmt: skip
        capture = Capture(len(self.captures) + 1, step, title, command, output, status,
                          seconds, where, written)  # fmt: skip
        write(capture, self.folder)
        self.captures.append(capture)
        print(f"[{capture.number:2d}] {step} {command} ... exit {status} ({seconds:.1f} s)")
        return capture

    def run(self, command: Command, title: str, retry: float = 0) -> Outcome:
        """Run and capture one command; stop the report when it did not do what it should."""
        started = time.monotonic()
        outcome = self.replay.run_until_ok(command, retry) if retry else self.replay.run(command)
        seconds = time.monotonic() - started
        # In a terminal, curl shows no progress meter: what a person reads is its answer.
        output = outcome.stdout if command.command.startswith("curl") else outcome.output
        capture = self.keep(command.step, title, outcome.shown, output, outcome.exit,
                            seconds, command.where, command.command)  # fmt: skip
        if "build" in command.command.split()[:3] or "--build" in command.command:
            self.built.add(standins.image_id(statement.IMAGE))
        if not outcome.ok:
            raise Exit(
                f"report: step {command.step} (`{command.command}`) did not do what the "
                f"statement says: see {self.folder / capture.name}.txt",
                1,
            )
        return outcome

    def quietly(self, command: str, cwd: Path) -> None:
        subprocess.run(command.split(), cwd=cwd, env=self.replay.env, capture_output=True,
                       check=False)  # fmt: skip


def commands(step: str) -> list[Command]:
    return [c for c in statement.COMMANDS if c.step == step]


TITLES = {
    "1.2": "Vérifier l'installation",
    "1.3": "Tous les conteneurs du moteur",
    "2.1": "Une commande dans un conteneur Alpine",
    "2.2": "Le conteneur est « Exited »",
    "2.3": "Un shell dans un conteneur Alpine",
    "3.3": "Construire l'image",
    "4.1": "Lancer le conteneur",
    "4.2": "Tester /health",
    "4.3": "Le conteneur dans docker ps",
    "5.3": "Démarrer la stack, la lister",
    "5.4": "/health via Compose",
    "5.5": "Arrêter la stack",
    "6.0": "Relancer la stack",
    "6.1": "psql, avec les requêtes de l'étape 6.2",
    "6.4": "down, puis down -v",
    "7.0": "Relancer la stack",
    "7.1": "Les logs de l'API",
    "7.2": "Un shell dans l'API",
    "7.3": "Redémarrer l'API, puis /health",
    "7.4": "Casser app.py (app → appi) et diagnostiquer",
    "7.5": "Nettoyer (limité aux objets du rapport)",
}


def replay_statement(rec: Recorder, lab: Path) -> None:
    """The statement's commands of parts 1 to 7, in its order, with what it asks to see."""
    curl = commands("4.2")[0]
    for command in statement.commands(1, 2):
        rec.run(command, TITLES[command.step])
    (build,) = commands("3.3")
    rec.run(build, TITLES["3.3"])
    app_py = lab / "api" / "app.py"
    original = app_py.read_text(encoding="utf-8")
    # A change never built before (the build cache remembers earlier runs' edits).
    edit = (
        f"# modifié le {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S.%f} : quelles couches refaire ?\n"
    )
    app_py.write_text(original + edit, encoding="utf-8")
    rec.run(build, "Reconstruire après une modification de app.py")
    app_py.write_text(original, encoding="utf-8")
    run = commands("4.1")[0]
    rec.run(run, TITLES["4.1"])
    rec.run(curl, TITLES["4.2"], retry=START_TIMEOUT)
    rec.run(commands("4.3")[0], TITLES["4.3"])
    stop, ps, ps_all = commands("4.4")
    rec.run(stop, "Arrêter le conteneur")
    rec.run(ps, "Il n'est plus dans docker ps…")
    rec.run(ps_all, "…mais encore dans docker ps -a")
    rec.keep("5.1", "La structure des fichiers", "# le dossier du TP, listé par invoke report",
             layout(lab), 0, 0.0)  # fmt: skip
    for command in commands("5.3"):
        rec.run(command, TITLES["5.3"])
    rec.run(commands("5.4")[0], TITLES["5.4"], retry=START_TIMEOUT)
    rec.run(commands("5.5")[0], TITLES["5.5"])
    for command in commands("6.0"):
        rec.run(command, TITLES["6.0"])
    rec.run(commands("6.1")[0], TITLES["6.1"], retry=START_TIMEOUT)
    volumes = Command("6.4", VOLUMES)
    down, down_v = commands("6.4")
    rec.run(down, "down : les conteneurs et le réseau partent…")
    rec.run(volumes, "…le volume nommé reste")
    rec.run(down_v, "down -v : le volume part aussi")
    rec.run(volumes, "Plus de volume")
    rec.run(commands("7.0")[0], TITLES["7.0"])
    rec.run(dataclasses.replace(commands("5.4")[0], step="7.1"), "Une requête, pour les logs",
            retry=START_TIMEOUT)  # fmt: skip
    rec.run(commands("7.1")[0], TITLES["7.1"])
    rec.run(commands("7.2")[0], TITLES["7.2"])
    restart, health = commands("7.3")
    rec.run(restart, TITLES["7.3"])
    rec.run(health, "/health après le redémarrage", retry=START_TIMEOUT)
    edit, rebuild, up_build, logs = commands("7.4")
    rec.run(edit, "Renommer app en appi dans api/app.py")
    rec.run(rebuild, "Reconstruire l'image cassée")
    rec.run(up_build, "Relancer Compose avec --build")
    rec.run(logs, "Les logs disent pourquoi l'API ne démarre pas")
    app_py.write_text(original, encoding="utf-8")
    rec.keep("7.4", "Réparer : restaurer app.py", f"# {RESTORE}", "api/app.py restauré", 0, 0.0)
    rec.run(Command("7.4", "docker compose up -d --build"), "Relancer : l'API repart")
    rec.run(dataclasses.replace(health, step="7.4"), "/health à nouveau", retry=START_TIMEOUT)
    for command in commands("7.5"):
        rec.run(command, TITLES["7.5"])


def write(capture: Capture, folder: Path) -> None:
    text = capture.text()
    (folder / f"{capture.name}.txt").write_text(ANSI.sub("", text), encoding="utf-8")
    console = Console(record=True, width=110, file=io.StringIO(), force_terminal=True)
    console.print(Text.from_ansi(text), soft_wrap=False, overflow="fold")
    title = f"TP1 {capture.step} — {capture.title}"
    console.save_svg(str(folder / f"{capture.name}.svg"), title=title)


def environment_lines(
    env: dict[str, str], ports: tuple[int, int], stand_ins: list[str]
) -> list[str]:
    def out(*words: str) -> str:
        return subprocess.run(
            words, capture_output=True, text=True, encoding="utf-8", check=False
        ).stdout.strip()

    machine = (
        f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} cœurs"
    )
    return [
        f"- date (UTC) : {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
        f"- machine : {machine}",
        f"- moteur Docker : {out('docker', 'version', '--format', '{{.Server.Version}}')}, "
        f"client {out('docker', 'version', '--format', '{{.Client.Version}}')}",
        f"- Docker Compose : {out('docker', 'compose', 'version', '--short')}",
        *(
            f"- {name} : `{env.get(name) or f'{default} (par défaut)'}`"
            for name, default in DEFAULT_IMAGES.items()
        ),
        f"- projet Compose `{PROJECT}` ; API sur le port {ports[0]}, PostgreSQL sur {ports[1]}",
        "- images remplacées par une image locale du même nom, le temps de la capture : "
        + (", ".join(f"`{n}`" for n in stand_ins) or "aucune"),
    ]


def cell(text: str) -> str:
    """Text for a Markdown table's cell."""
    return text.replace("|", "\\|")


def write_index(folder: Path, captures: list[Capture], environment: list[str]) -> None:
    rows = [
        f"| {c.step} | {c.title} | `{cell(c.command)}` | {c.status} "
        f"| {c.seconds:.1f} s | [texte]({c.name}.txt) | [image]({c.name}.svg) |"
        for c in captures
    ]
    (folder / "index.md").write_text(
        "# Captures de `invoke report`\n\n"
        "Écrites par `invoke report` lors d'une exécution réelle, jamais retouchées à la main. "
        "Pour les refaire : `uv run invoke report`.\n\n## Environnement\n\n"
        + "\n".join(environment)
        + "\n\n## Étapes\n\n| étape | ce que montre la capture | commande | code | durée "
        "| texte | image |\n|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )


@contextmanager
def lab_copy() -> Iterator[Path]:
    """The lab as a student's folder holds it (api/ and docker-compose.yml), to edit freely."""
    with tempfile.TemporaryDirectory(prefix="tp1-report-") as scratch:
        lab = Path(scratch) / "tp1"
        copy_build_context(lab)
        shutil.copy(ROOT / "docker-compose.yml", lab / "docker-compose.yml")
        yield lab


def make_report(folder: Path) -> list[Capture]:
    docker.require_engine()
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("[0-9][0-9]-*.txt"), *folder.glob("[0-9][0-9]-*.svg")]:
        old.unlink()
    api_port, db_port = free_or(statement.API_PORT), free_or(statement.DB_PORT)
    run_port = free_or(statement.API_PORT)
    settings = load()
    env = environment(COMPOSE_PROJECT_NAME=PROJECT, API_PORT=str(api_port),
                      DB_PORT=str(db_port), NO_COLOR="1")  # fmt: skip
    for name in ("API_IMAGE", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"):
        env.pop(name, None)  # the statement's values, not a .env's or the shell's
    before = standins.image_id(statement.IMAGE)
    local = env.get("PYTHON_IMAGE")
    made = standins.stand_in_under(local, DEFAULT_IMAGES["PYTHON_IMAGE"], "alpine")
    made += standins.hello_world(local)
    with lab_copy() as lab:
        scope = {"container": f"label={LABEL}",
                 "image": f"label=com.docker.compose.project={PROJECT}"}  # fmt: skip
        replay = Replay(lab, env, LABEL, scope=scope, follow_seconds=20)
        replay.build_options = settings.build_arg_words
        if run_port != statement.API_PORT:
            replay.rewrite = {
                f"{statement.API_PORT}:8000": f"{run_port}:8000",
                statement.CURL_HEALTH.split()[-1]: f"http://localhost:{run_port}/health",
            }
        rec = Recorder(replay, folder)
        try:
            replay_statement(rec, lab)
        finally:
            clean_up(rec, lab, before, made)
    write_index(folder, rec.captures, environment_lines(env, (api_port, db_port), made))
    return rec.captures


def clean_up(rec: Recorder, lab: Path, before: str, made: list[str]) -> None:
    """All the report started, removed; your `simple-api`, if you had one, tagged again."""
    rec.quietly("docker compose down -v --remove-orphans", lab)
    ids = docker.query("ps", "-aq", "--filter", f"label={LABEL}").stdout.split()
    if ids:
        rec.quietly("docker rm -f " + " ".join(ids), lab)
    if before:
        rec.quietly(f"docker tag {before} {statement.IMAGE}", lab)
    elif standins.image_id(statement.IMAGE):
        rec.quietly(f"docker image rm {statement.IMAGE}", lab)
    for image in rec.built - {before, ""}:
        rec.quietly(f"docker image rm {image}", lab)
    standins.remove(made)
