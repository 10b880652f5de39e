"""`invoke report`: the lab typed as a student types it, and each screen kept as evidence.

The commands are kit/statement.py's, typed in a scratch copy of the model answer
(corrige/: the statement's app.py, Dockerfile and Compose file), each in a terminal
of its own (kit/terminal.py), exactly as the statement writes them:
`docker build -t simple-api .` in api/, `docker run -p 8000:8000 simple-api` in the
foreground while a second terminal types `curl`, `docker ps` and `docker stop`,
`docker run -it alpine sh` and `docker compose exec db psql -U demo -d demo` with
their lines typed at the prompt, `logs -f` ended by Ctrl-C. A capture is what the
terminal shows at the end (as text, and as an SVG picture), plus, for the first
build, the screen while `pip install` runs, and for `logs -f` of 7.1, the screen
before the request. An edit of app.py is shown as the lines it changes. The report's
blocks of terminal output are copied from the captures (kit/excerpts.py) at the end of
the run.

Beyond the statement's commands, and said so in the report: at 1.1 `docker version` and
`docker compose version` (which engine the captures come from); `docker volume ls` after
part 5's `down` (the anonymous volume of postgres stays), and at 6.4 before `down` and
after `down -v`, typed one after the other as the statement writes them (after `down`,
`down -v` finds no container, so no anonymous volume to remove); at 3.3 a comment added to
app.py, a rebuild, the comment removed and a rebuild (the build cache at work); at 7.4,
after the break and its logs, `docker compose ps`, `docker compose ps -a` and `curl`,
and the repair typed as the break was: app.py restored, `docker build -t simple-api .`
in api/, `docker compose up -d --build`, `curl`.

What differs from a student's session, and why (the report's closing notice says it too):
- Before the first build, the build cache entries of that Dockerfile's own steps that
  no image uses are removed (`docker builder prune --filter id=...`), so that the
  build is a real one and `pip install` shows; nothing else of the cache is touched
  (a step that another image uses, such as `WORKDIR /app`, stays CACHED).
- The two prunes of 7.5 remove every stopped container and dangling image of the
  engine, yours too. The report types them, and at their `[y/N]` lists what they
  would remove: it answers y only when that is nothing but what the run made.
  Otherwise it answers N, removes only its own objects by id (`docker rm`,
  `docker image rm`), shows those commands, and the index says so.
- Before `docker volume ls`, it waits (bounded) for a moment when the engine holds no
  volume that appeared during the run and is not the run's (another program's).
- Where no registry answers, stand-ins take the public images' names for the run
  (kit/standins.py), and the captures' index says which.
- The model answer's folder is called `tp1-report`: Compose names the project after
  the folder, as it does for a student's (no COMPOSE_PROJECT_NAME), hence the names
  `tp1-report-api-1`, `tp1-report_default`, `tp1-report-api`. The kit's own files
  declare `name: tp1`, your stack's: there COMPOSE_PROJECT_NAME says `tp1-report-kit`.
  Ports 8000 and 5432 must be free, as the statement's files publish them.
- Before typing `curl` or `psql`, it waits (quietly, bounded) for uvicorn's start line in
  the container's logs, or for PostgreSQL to take a login, as a person waits to see it up
  (at 7.4, for the broken API to stop, as a person sees it stop).
The closing part (« Pour aller plus loin ») types a few commands on the kit's own files.
Everything the run made is found again and removed at the end, even after a failure:
the containers of the images it ran, the Compose projects and their volumes, the
images it built; a `simple-api` you had gets its tag back.

Windows has no pseudo-terminal: there the same commands run with pipes, `-i` for
`-it` and `-T` for `docker compose exec` (kit/terminal.py), and the index says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import io
import os
import platform
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from invoke import Exit
from rich.console import Console
from rich.text import Text

from kit import corrige, docker, excerpts, quiet, standins, statement, terminal
from kit.breakage import copy_build_context
from kit.settings import ROOT, load
from kit.statement import Command
from kit.usable import db_takes_logins
from kit.wait import poll

REPORT = ROOT / "reports" / "rapport.md"
CAPTURES = ROOT / "reports" / "captures"  # the report's; its output blocks are copied from them
# The model answer's folder, and so its Compose project (Compose's default: the folder's name).
PROJECT = "tp1-report"
KIT_PROJECT = "tp1-report-kit"  # the kit's own files, in « Pour aller plus loin »
START_TIMEOUT = 90.0  # seconds a server or the database gets to answer
BUILD_TIMEOUT = 900.0
API_CONTAINER = f"{PROJECT}-api-1"  # Compose's name for the model answer's API container
# The lines of the statement's commands that the report also types, with the statement's words.
PS = "docker compose ps"
PS_ALL = "docker compose ps -a"
# curl's exit status when nothing listens on the port: the symptom of 7.4's break.
CURL_CANNOT_CONNECT = 7
VOLUME_LS = "docker volume ls"
# 1.1, beyond the statement: which engine and Compose the captures come from.
VERSIONS = ("docker version", "docker compose version")
GET_HEALTH = r'"GET /health HTTP/1\.1" 200'
UVICORN_READY = "Uvicorn running on"
# The screen to keep while the first build runs: pip's lines in BuildKit's live display.
PIP_RUNNING = r"=> => # .*(Collecting|Downloading|Installing|Successfully)"
# 3.3, beyond the statement: a line added to app.py to see which steps a rebuild runs again.
COMMENT = "# Ligne ajoutée pour observer le cache de construction, retirée ensuite\n"
# The build cache records of a Dockerfile's own steps (RUN; WORKDIR, COPY), by BuildKit's words.
OWN_STEPS = ("mount / from exec", "fileop target")
# The closing part's captures: not the statement's, « Pour aller plus loin ».
FURTHER = "PL"


@dataclass
class Capture:
    number: int
    step: str  # the statement's number, e.g. "4.2"
    title: str  # what it shows, in French like the report
    command: str  # as typed (or as run, where it differs: the prunes, or no terminal)
    lines: list[Text]  # the screen, with its colours
    status: int | None  # None: a screen taken while the command ran
    seconds: float
    # The command as the statement writes it: the file's name, the same at every run.
    written: str = ""

    @property
    def name(self) -> str:
        words = re.sub(r"[^a-z0-9]+", "-", (self.written or self.command).lower()).strip("-")
        step = self.step.replace(".", "-").lower()
        return f"{self.number:02d}-{step}-{words[:36].rstrip('-')}"

    def text(self) -> str:
        screen = "\n".join(line.plain for line in self.lines)
        if self.status is None:
            return f"{screen}\n[pendant la commande, à {self.seconds:.1f} s]\n"
        return f"{screen}\n[exit {self.status}, {self.seconds:.1f} s]\n"


@dataclass
class Run:
    """What the report made and found, for the notice and for cleaning up after it."""

    lab: Path
    env: dict[str, str]
    folder: Path
    terminal: bool = terminal.PTY
    captures: list[Capture] = field(default_factory=list)
    reserved: int = 0
    started_at: float = field(default_factory=time.time)
    containers_before: set[str] = field(default_factory=set)
    images_run: set[str] = field(default_factory=set)  # ids of the images it ran or built
    built: set[str] = field(default_factory=set)  # ids of the images its builds made
    volumes: set[str] = field(default_factory=set)  # anonymous volumes of its containers
    forgotten: list[str] = field(default_factory=list)  # build cache records removed
    stand_ins: dict[str, str] = field(default_factory=dict)  # the tags it made
    stood_in: dict[str, str] = field(default_factory=dict)  # every stand-in it ran on
    volumes_before: set[str] = field(default_factory=set)
    pruned: dict[str, bool] = field(default_factory=dict)  # 7.5: typed as written, or not
    projects: dict[str, Path] = field(default_factory=dict)  # Compose project: its folder
    gateway: str = ""  # 7.1: the gateway of the project's network, the client uvicorn logs

    # --- terminals and captures -------------------------------------------------------
    def session(self, typed: str, where: str = ".", lab: Path | None = None,
                env: dict[str, str] | None = None) -> terminal.Session:  # fmt: skip
        prompt = "api/ $ " if where == "api" else "$ "
        folder = (lab or self.lab) / where
        builds = typed.startswith(("docker build", "docker compose up"))
        columns = terminal.NARROW if builds else terminal.COLUMNS
        return terminal.session(typed, folder, env or self.env, prompt, self.terminal, columns)

    def reserve(self) -> int:
        """A capture's number, taken when its command starts (terminal 1 of part 4 ends last)."""
        self.reserved += 1
        return self.reserved

    def keep(self, session: terminal.Session, step: str, title: str, written: str = "",
             number: int = 0, moment: bool = False) -> Capture:  # fmt: skip
        lines = session.screen.moment if moment else session.screen.lines()
        status = None if moment else session.status
        seconds = session.screen.moment_seconds if moment else session.seconds
        capture = Capture(number or self.reserve(), step, title, session.shown, lines, status,
                          seconds, written or session.typed)  # fmt: skip
        write(capture, self.folder)
        self.captures.append(capture)
        print(f"[{capture.number:2d}] {step} {capture.command} ... "
              f"{'en cours' if moment else f'exit {status}'} ({seconds:.1f} s)", flush=True)  # fmt: skip
        return capture

    def typed(self, command: Command | str, title: str, step: str = "", where: str = "",
              inputs: tuple[str, ...] | None = None, timeout: float = 120,
              expect: str | None = None, lab: Path | None = None,
              env: dict[str, str] | None = None, written: str = "",
              status: int = 0) -> Capture:  # fmt: skip
        """Type one command (and its input lines at its prompts); capture it once it ends
        with that exit status (0, or the failure the report shows)."""
        if isinstance(command, str):
            command = Command(step, command, where=where or ".")
        number = self.reserve()
        session = self.session(command.command, where or command.where, lab, env)
        try:
            for line in command.input.splitlines() if inputs is None else inputs:
                session.type(line)
            session.wait(timeout)
        except terminal.TerminalError as error:
            session.close()
            raise Exit(f"report: step {step or command.step}: {error}", 1) from None
        capture = self.keep(session, step or command.step, title, written or command.command,
                            number)  # fmt: skip
        wanted = command.expect if expect is None else expect
        if session.status != status or (wanted and not re.search(wanted, capture.text())):
            raise Exit(
                f"report: step {capture.step} (`{capture.command}`) did not do what the "
                f"statement says: see {self.folder / capture.name}.txt",
                1,
            )
        return capture

    def edit(self, step: str, title: str, path: str, text: str, written: str,
             lab: Path | None = None) -> Capture:  # fmt: skip
        """Change a file of the lab, as a person does in an editor; the capture shows the
        lines changed (a unified diff) under `# written`."""
        target = (lab or self.lab) / path
        before = target.read_text(encoding="utf-8")
        target.write_text(text, encoding="utf-8")
        diff = difflib.unified_diff(before.splitlines(), text.splitlines(), path, path,
                                    lineterm="", n=0)  # fmt: skip
        capture = Capture(self.reserve(), step, title, f"# {written}",
                          [Text(f"# {written}"), *map(Text, diff)], 0, 0.0, written)  # fmt: skip
        write(capture, self.folder)
        self.captures.append(capture)
        return capture

    def discard(self, capture: Capture) -> None:
        """Forget the last capture (its files too): a command typed again."""
        assert capture is self.captures[-1] and capture.number == self.reserved
        for suffix in (".txt", ".svg"):
            (self.folder / f"{capture.name}{suffix}").unlink()
        self.captures.pop()
        self.reserved -= 1

    # --- what the report needs to know quietly -------------------------------------
    def ensure_images(self) -> None:
        """The public images, before a command that needs them: a stand-in's tag can be
        removed meanwhile by another run that had made it (one engine, several users)."""
        self.stand_ins |= standins.statement_images(self.env)
        self.stood_in |= standins.stood_in(self.env)

    def built_now(self, image: str) -> None:
        image_id = standins.image_id(image)
        if image_id:
            self.built.add(image_id)
            self.images_run.add(image_id)

    def remember_volumes(self, project: str) -> None:
        """The anonymous volumes of the project's containers, which `down` leaves behind."""
        ids = docker.query("ps", "-aq", "--filter", f"label=com.docker.compose.project={project}")
        for container in ids.stdout.split():
            mounts = docker.query("inspect", "-f",
                                  '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}',
                                  container).stdout.split()  # fmt: skip
            self.volumes |= {m for m in mounts if re.fullmatch(r"[0-9a-f]{64}", m)}

    def our_stopped_containers(self) -> set[str]:
        """The containers this run started that are stopped (for 7.5): full ids."""
        ours = set()
        for container in docker.query("ps", "-aq", "--no-trunc").stdout.split():
            if container in self.containers_before:
                continue
            info = docker.inspect(container) or {}
            if info.get("Image") in self.images_run and not info.get("State", {}).get("Running"):
                ours.add(container)
        return ours


def uvicorn_starts(container: str = API_CONTAINER) -> int:
    """How many times the container's uvicorn said it listens (its logs, read quietly)."""
    logs = docker.query("logs", container)
    return (logs.stdout + logs.stderr).count(UVICORN_READY)


def wait_uvicorn(step: str, starts_before: int = 0) -> None:
    """Until the API's uvicorn listens (once more than before): then a person types curl.
    Read from its logs, so that no request of the report's own shows in them."""
    if not poll(lambda: uvicorn_starts() > starts_before, START_TIMEOUT, interval=0.2):
        raise Exit(f"report: step {step}: uvicorn did not start within {START_TIMEOUT:g} s", 1)


def wait_database() -> None:
    settings = dataclasses.replace(
        load(), db_port=statement.DB_PORT, postgres_user=statement.DB_USER,
        postgres_password=statement.DB_PASSWORD, postgres_db=statement.DB_NAME,
    )  # fmt: skip
    if not poll(lambda: db_takes_logins(settings), START_TIMEOUT, interval=0.3):
        raise Exit(f"report: PostgreSQL took no login within {START_TIMEOUT:g} s", 1)


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


# --- the statement, part by part ------------------------------------------------------
def commands(step: str) -> list[Command]:
    return [c for c in statement.COMMANDS if c.step == step]


TITLES = {
    "1.1": "Les versions de Docker et de Compose",
    "1.2": "Vérifier l'installation",
    "1.3": "Les conteneurs du moteur",
    "2.1": "Une commande dans un conteneur Alpine",
    "2.2": "Le conteneur est « Exited »",
    "2.3": "Un shell dans un conteneur Alpine",
    "5.3": "Démarrer la stack, la lister",
    "5.4": "/health via Compose",
    "5.5": "Arrêter la stack",
    "6.0": "Relancer la stack",
    "7.0": "Relancer la stack",
    "7.2": "Un shell dans le conteneur de l'API",
}


def parts_1_and_2(run: Run) -> None:
    for typed in VERSIONS:
        run.typed(Command("1.1", typed), TITLES["1.1"])
    for command in statement.commands(1, 2):
        run.ensure_images()
        run.typed(command, TITLES[command.step], timeout=300)


def dated() -> str:
    """A comment line that makes a file's content new: the build cache remembers earlier runs."""
    return f"# modifié le {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S.%f}\n"


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


@contextmanager
def first_terminal(run: Run, command: Command, title: str) -> Iterator[terminal.Session]:
    """A command left running in a first terminal while the block types in a second one;
    captured once it ends, under the number it took when it started."""
    number = run.reserve()
    session = run.session(command.command)
    try:
        yield session
    except terminal.TerminalError as error:
        raise Exit(f"report: step {command.step}: {error}", 1) from None
    finally:
        session.close()
    run.keep(session, command.step, title, number=number)


def compose_up(run: Run, command: Command, title: str, project: str = PROJECT) -> Capture:
    run.ensure_images()
    capture = run.typed(command, title, timeout=BUILD_TIMEOUT)
    run.built_now(f"{project}-api")
    return capture


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
    # The statement's two commands of 6.4, one after the other as it writes them, with
    # the volumes listed before and after: the anonymous volumes of both databases (part
    # 5's, left by its `down`, and this one's) stay, since after `down`, `down -v` finds
    # no container whose anonymous volume it would remove.
    down, down_volumes = commands("6.4")
    list_volumes(run, "6.4", "Les volumes avant docker compose down")
    run.typed(down, "Arrêter la stack")
    run.typed(down_volumes, "down -v après down : plus de conteneur, donc aucun volume")
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


def network_gateway(network: str) -> str:
    """The gateway address of a network, from which Docker forwards a published port's connections."""
    template = "{{range .IPAM.Config}}{{.Gateway}}{{end}}"
    return docker.query("network", "inspect", "-f", template, network).stdout.strip()


def volumes() -> set[str]:
    return set(docker.query("volume", "ls", "-q").stdout.split())


def part_7(run: Run) -> None:
    compose_up(run, commands("7.0")[0], TITLES["7.0"])
    wait_uvicorn("7.1")
    (logs,) = commands("7.1")
    (curl,) = commands("4.2")
    # The screen before the request, then after it: its line comes while `logs -f` runs.
    before = run.reserve()
    follow = run.session(logs.command)
    try:
        follow.expect(UVICORN_READY)
        follow.screen.keep_moment()
        run.keep(follow, "7.1", "Les logs de l'API, avant la requête", number=before, moment=True)
        run.typed(dataclasses.replace(curl, step="7.1"), "Une requête depuis un second terminal")
        run.gateway = network_gateway(f"{PROJECT}_default")
        follow.expect(GET_HEALTH)
        follow.interrupt()
        follow.wait(30)
    except terminal.TerminalError as error:
        raise Exit(f"report: step 7.1: {error}", 1) from None
    finally:
        follow.close()
    run.keep(follow, "7.1", "Les logs après la requête, jusqu'à Ctrl-C")
    run.typed(commands("7.2")[0], TITLES["7.2"])
    restart, health = commands("7.3")
    started = uvicorn_starts()
    run.typed(restart, "Redémarrer l'API")
    wait_uvicorn("7.3", started)
    run.typed(health, "/health après le redémarrage")
    break_and_repair(run)
    prune(run)


def break_and_repair(run: Run) -> None:
    edit, build, up_build, logs = commands("7.4")
    (curl,) = commands("4.2")
    app_py = run.lab / edit.path
    original = app_py.read_text(encoding="utf-8")
    run.edit("7.4", "Renommer app en appi dans api/app.py", edit.path,
             statement.edited(original, edit), edit.command)  # fmt: skip
    run.ensure_images()
    run.typed(build, "Reconstruire simple-api avec l'erreur", timeout=BUILD_TIMEOUT)
    run.built_now(statement.IMAGE)
    compose_up(run, up_build, "Relancer Compose avec --build")
    with first_terminal(run, logs, "Les logs disent pourquoi l'API s'arrête") as follow:
        follow.expect(r'Attribute "app" not found')
        # `logs -f` ends by itself when it sees the container stop; else at Ctrl-C.
        if not poll(lambda: follow.pump(0.2) or follow.ended, 10, interval=0):
            follow.interrupt()
        follow.wait(30)
    # The failure confirmed, once the API has stopped: missing from `docker compose ps`,
    # `Exited` in `docker compose ps -a`, and nothing answers.
    wait_exited(API_CONTAINER, "7.4")
    run.typed(Command("7.4", PS), "docker compose ps : l'API n'y est plus", expect="")
    run.typed(Command("7.4", PS_ALL), "docker compose ps -a : l'API est arrêtée",
              expect=r"Exited \(\d+\)")  # fmt: skip
    run.typed(dataclasses.replace(curl, step="7.4"), "curl : plus de réponse", expect="",
              status=CURL_CANNOT_CONNECT)  # fmt: skip
    # The repair, typed as the break was: both images built again from the restored file.
    run.edit("7.4", "Réparer : remettre app dans api/app.py", edit.path, original,
             "remettre `app` dans api/app.py")  # fmt: skip
    run.ensure_images()
    run.typed(build, "Réparer : reconstruire simple-api", timeout=BUILD_TIMEOUT)
    run.built_now(statement.IMAGE)
    compose_up(run, Command("7.4", up_build.command), "Réparer : relancer Compose avec --build")
    wait_uvicorn("7.4")
    run.typed(dataclasses.replace(curl, step="7.4"), "/health à nouveau")


def wait_exited(container: str, step: str) -> None:
    """Until the container has stopped, as a person sees it stop (bounded)."""

    def exited() -> bool:
        return (docker.inspect(container) or {}).get("State", {}).get("Status") == "exited"

    if not poll(exited, START_TIMEOUT, interval=0.2):
        raise Exit(f"report: step {step}: {container} did not stop within {START_TIMEOUT:g} s", 1)


def stopped_containers() -> set[str]:
    """What `docker container prune` removes: every container that is not running."""
    states = ("created", "exited", "dead")
    filters = [word for state in states for word in ("--filter", f"status={state}")]
    return set(docker.query("ps", "-aq", "--no-trunc", *filters).stdout.split())


def dangling_images() -> set[str]:
    """What `docker image prune` removes: the images without a tag that no container uses."""
    dangling = docker.query("images", "-q", "--no-trunc", "--filter", "dangling=true")
    containers = docker.query("ps", "-aq", "--no-trunc").stdout.split()
    used = {(docker.inspect(c) or {}).get("Image") for c in containers}
    return set(dangling.stdout.split()) - used


def prune(run: Run) -> None:
    """7.5's prunes as the statement writes them, answered y at their prompt only when
    what they would remove is what this run made; otherwise N, and the run's own
    stopped containers and untagged images are removed by id instead."""
    container_prune, image_prune = commands("7.5")
    kinds = (
        (container_prune, "Supprimer les conteneurs arrêtés", stopped_containers,
         run.our_stopped_containers(), "docker rm"),
        (image_prune, "Supprimer les images orphelines (dangling)", dangling_images,
         run.built, "docker image rm"),
    )  # fmt: skip
    for command, title, would_remove, ours, remove in kinds:
        number = run.reserve()
        session = run.session(command.command)
        try:
            session.expect(r"\[y/N\]", 60)
            others = would_remove() - ours
            session.send("N\r" if others else "y\r")
            session.wait(120)
        except terminal.TerminalError as error:
            session.close()
            raise Exit(f"report: step 7.5: {error}", 1) from None
        run.pruned[command.command] = not others
        if not others:
            capture = run.keep(session, "7.5", title, number=number)
            removed = set(re.findall(r"^[0-9a-f]{64}$", capture.text(), re.M))
            if session.status != 0 or (command is container_prune and removed - ours):
                raise Exit(f"report: step 7.5: `{command.command}` did not remove only the "
                           f"report's objects: see {run.folder / capture.name}.txt", 1)  # fmt: skip
            continue
        run.reserved -= 1  # not kept: a person who answered N removes their own objects
        mine = sorted(i.removeprefix("sha256:")[:12] for i in ours & would_remove())
        if mine:
            run.typed(Command("7.5", f"{remove} {' '.join(mine)}"),
                      f"{title} (au lieu de {command.command})",
                      written=command.command)  # fmt: skip


# --- Pour aller plus loin: the kit's own files ------------------------------------------
def further(run: Run, kit_lab: Path) -> None:
    """The kit's Dockerfile rebuilt after the statement's edit (dependencies cached), and
    its Compose file running the broken image (a restart policy: `Restarting`)."""
    # The kit's files with their own defaults: the public images, there (or stood in) for the run.
    env = {**run.env, "COMPOSE_PROJECT_NAME": KIT_PROJECT}
    for name in ("PYTHON_IMAGE", "UV_IMAGE", "POSTGRES_IMAGE"):
        env.pop(name, None)
    run.projects[KIT_PROJECT] = kit_lab
    build = f"docker build -t {statement.IMAGE} ."
    run.ensure_images()
    first = run.session(build, "api", kit_lab, env)  # not shown: it fills the cache
    try:
        first.wait(BUILD_TIMEOUT)
    except terminal.TerminalError as error:
        raise Exit(f"report: the kit's first build: {error}", 1) from None
    run.built_now(statement.IMAGE)
    if first.status != 0:
        raise Exit(f"report: the kit's build failed:\n{first.screen.text()}", 1)
    (edit,) = (c for c in statement.COMMANDS if c.kind == "edit")
    app_py = kit_lab / "api" / "app.py"
    # The statement's rename, and a date: a content never built, whatever earlier runs cached.
    renamed = statement.edited(app_py.read_text(encoding="utf-8"), edit) + dated()
    app_py.write_text(renamed, encoding="utf-8")
    run.typed(build, "Le Dockerfile du kit, après le renommage de app de l'étape 7.4",
              step=f"{FURTHER}.1", where="api", timeout=BUILD_TIMEOUT, lab=kit_lab,
              env=env)  # fmt: skip
    run.built_now(statement.IMAGE)
    run.ensure_images()
    run.typed("docker compose up -d", "La stack du kit, avec l'image cassée", step=f"{FURTHER}.2",
              lab=kit_lab, env=env)  # fmt: skip

    def restarting() -> bool:
        # From the third attempt on, the policy waits 0.4 s or more: time for `ps`.
        info = docker.inspect(f"{KIT_PROJECT}-api-1") or {}
        return bool(info.get("State", {}).get("Restarting")) and info.get("RestartCount", 0) >= 2

    for _ in range(4):  # `Restarting` lasts the policy's delay between two attempts
        if not poll(restarting, 30, interval=0.05):
            break
        capture = run.typed("docker compose ps", "Restarting : la politique de redémarrage du kit",
                            step=f"{FURTHER}.2", lab=kit_lab, env=env)  # fmt: skip
        if "Restarting" in capture.text():
            return
        run.discard(capture)  # a person types it again: the screen kept is the one that shows it
    raise Exit("report: the kit's API was never seen `Restarting` by docker compose ps", 1)


# --- files ---------------------------------------------------------------------------
def write(capture: Capture, folder: Path) -> None:
    (folder / f"{capture.name}.txt").write_text(capture.text(), encoding="utf-8")
    width = max([len(line.plain) for line in capture.lines] + [40])
    console = Console(record=True, width=width, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor")  # fmt: skip
    for line in capture.lines:
        console.print(line, overflow="ignore", no_wrap=True, crop=False)
    console.print()  # rich clips each line to its own box: the last one needs one after it
    console.save_svg(
        str(folder / f"{capture.name}.svg"), title=f"TP1 {capture.step} — {capture.title}"
    )


def environment_lines(run: Run) -> list[str]:
    def out(*words: str) -> str:
        return docker.query(*words).stdout.strip()

    machine = (
        f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} cœurs"
    )
    stand_ins = ", ".join(
        f"`{public}` (`{local}`)" for public, local in sorted(run.stood_in.items())
    )
    forgotten = len(run.forgotten)
    return [
        f"- date (UTC) : {dt.datetime.fromtimestamp(run.started_at, dt.UTC):%Y-%m-%d %H:%M}",
        f"- machine : {machine}",
        f"- moteur Docker : {out('version', '--format', '{{.Server.Version}}')}, "
        f"client {out('version', '--format', '{{.Client.Version}}')}",
        f"- Docker Compose : {out('compose', 'version', '--short')}",
        "- terminal : "
        + (
            f"pseudo-terminal de {terminal.COLUMNS} colonnes sur {terminal.ROWS} lignes "
            f"({terminal.NARROW} colonnes pour les constructions)"
            if run.terminal
            else "aucun (Windows) : `-i` au lieu de `-it`, `-T` pour `docker compose exec`"
        ),
        f"- fichiers : [`corrige/`](../../corrige/), copiés dans un dossier `{PROJECT}`, "
        "dont Compose tire le nom du projet ; « Pour aller plus loin » : les fichiers du "
        f"kit, projet `{KIT_PROJECT}` (variable `COMPOSE_PROJECT_NAME`, car leur fichier "
        "le nomme `tp1`, comme la stack du kit d'un utilisateur)",
        "- images publiques remplacées, le temps de la capture, par une image locale du même "
        f"nom : {stand_ins or 'aucune'}",
        f"- cache de construction : {forgotten} entrée(s) des étapes du Dockerfile de "
        "`corrige/api/` qu'aucune image n'utilisait retirée(s) avant la première "
        "construction, pour que `pip install` s'exécute",
        f"- étape 7.1 : passerelle du réseau `{PROJECT}_default` : `{run.gateway or '?'}`",
        "- étape 7.5 : " + prunes_said(run),
        f"- {FURTHER}.1 : `app.py` du kit avec `app` renommé comme à l'étape 7.4, plus une "
        "ligne de commentaire datée, pour un contenu que le cache de construction n'a "
        "jamais vu (seule la dernière couche est refaite)",
    ]


def prunes_said(run: Run) -> str:
    """How the two prunes of 7.5 ran, in a sentence of the index."""
    typed = [f"`{command}`" for command, as_written in run.pruned.items() if as_written]
    refused = [f"`{command}` refusé" for command, as_written in run.pruned.items()
               if not as_written]  # fmt: skip
    said = []
    if typed:
        said.append(" et ".join(typed) + " tapé(s) tel(s) quel(s), confirmé(s) par `y` après "
                    "vérification qu'ils ne supprimaient que des objets créés par le rapport")  # fmt: skip
    if refused:
        said.append(" et ".join(refused) + " (`N` : d'autres objets du moteur auraient été "
                    "supprimés) ; à la place, les seuls objets du rapport, par leur identifiant")  # fmt: skip
    return " ; ".join(said) or "non atteinte"


def cell(text: str) -> str:
    """Text for a Markdown table's cell."""
    return text.replace("|", "\\|")


def code(text: str) -> str:
    """Text as inline code, even when it holds backticks (an edit's description)."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def write_index(run: Run) -> None:
    rows = [
        f"| {c.step} | {c.title} | {code(cell(c.command))} | "
        f"{'—' if c.status is None else c.status} | {c.seconds:.1f} s | "
        f"[texte]({c.name}.txt) | [image]({c.name}.svg) |"
        for c in sorted(run.captures, key=lambda c: c.number)
    ]
    (run.folder / "index.md").write_text(
        "# Captures du rapport\n\n"
        "Écrites par `invoke report` : chaque commande tapée dans un terminal, comme "
        "l'énoncé l'écrit (les deux `prune` de l'étape 7.5 : voir « Environnement ») ; "
        "une modification de fichier est montrée par les lignes qu'elle change. "
        "« PL » : « Pour aller plus loin », sur les fichiers du kit. Jamais retouchées "
        "à la main.\n\n## Environnement\n\n"
        + "\n".join(environment_lines(run))
        + "\n\n## Étapes\n\n| étape | ce que montre la capture | commande | code | durée "
        "| texte | image |\n|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )


# --- the whole run -------------------------------------------------------------------
def require_ports() -> None:
    for port, what in ((statement.API_PORT, "the API"), (statement.DB_PORT, "PostgreSQL")):
        if docker.port_in_use(port):
            raise Exit(
                f"report: port {port} is taken: the statement's files publish {what} on it. "
                "Stop what holds it (your stack: `invoke down`), then run `invoke report` again.",
                1,
            )


@contextmanager
def scratch() -> Iterator[tuple[Path, Path]]:
    """The model answer as a student's folder holds it, and the kit's own files, to edit freely."""
    with tempfile.TemporaryDirectory(prefix="tp1-report-") as folder:
        lab = corrige.copy(Path(folder) / PROJECT)  # the folder's name is the project's
        kit_lab = Path(folder) / "kit"
        copy_build_context(kit_lab)
        shutil.copy(ROOT / "docker-compose.yml", kit_lab / "docker-compose.yml")
        yield lab, kit_lab


def environment() -> dict[str, str]:
    """The shell's environment without what would change the statement's files: their
    values, not a .env's or the shell's, and the Compose project named after the folder."""
    env = dict(os.environ)
    for name in ("API_IMAGE", "API_PORT", "DB_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD",
                 "POSTGRES_DB", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME",
                 "DOCKER_DEFAULT_PLATFORM"):  # fmt: skip
        env.pop(name, None)
    return env


def make_report(folder: Path, use_terminal: bool = terminal.PTY) -> list[Capture]:
    docker.require_engine()
    require_ports()
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("[0-9][0-9]-*.txt"), *folder.glob("[0-9][0-9]-*.svg")]:
        old.unlink()
    env = environment()
    before = standins.image_id(statement.IMAGE)
    with scratch() as (lab, kit_lab):
        run = Run(lab, env, folder, use_terminal)
        run.projects[PROJECT] = lab
        run.containers_before = set(docker.query("ps", "-aq", "--no-trunc").stdout.split())
        run.volumes_before = volumes()
        run.stand_ins = standins.statement_images(env)
        run.stood_in = standins.stood_in(env)
        for public in ("hello-world", "alpine"):
            run.images_run.add(standins.image_id(public))
        try:
            parts_1_and_2(run)
            for public in ("hello-world", "alpine"):  # pulled by the run, where there is a registry
                run.images_run.add(standins.image_id(public))
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
        excerpts.refresh(REPORT, folder)
    return run.captures


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
    elif standins.image_id(statement.IMAGE) in run.built:
        docker.query("image", "rm", statement.IMAGE)
    for project in run.projects:
        if standins.image_id(f"{project}-api") in run.built:
            docker.query("image", "rm", f"{project}-api")
    leftover = sorted(run.built - {before, ""})
    if leftover:
        docker.query("image", "rm", *leftover)
