"""What the lab's parts share: a step's commands (kit/statement.py), the titles that repeat
the statement's words, a command left running in a first terminal, and `docker compose up`
with the image it builds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from invoke import Exit

from kit import statement, terminal
from kit.report.lab import PROJECT
from kit.report.records import Capture, Run
from kit.statement import Command

BUILD_TIMEOUT = 900.0  # seconds a build (or `compose up` that builds) gets to end


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
