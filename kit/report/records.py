"""What the run keeps: a Capture (a command's screen, written as text and as an SVG
picture) and the Run (its terminals and captures, and what it made, to clean up after it)."""

from __future__ import annotations

import difflib
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from invoke import Exit
from rich.console import Console
from rich.text import Text

from kit import docker, standins, terminal
from kit.statement import Command


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
        image_id = docker.image_id(image)
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
