"""The captures' index.md: the environment they come from (engine, terminal, stand-ins,
what differs from a student's session) and a row per capture."""

from __future__ import annotations

import datetime as dt
import os
import platform

from kit import docker, terminal
from kit.report.further import FURTHER
from kit.report.lab import KIT_PROJECT, PROJECT
from kit.report.records import Run


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
        f"« {FURTHER} » : « Pour aller plus loin », sur les fichiers du kit. Jamais retouchées "
        "à la main.\n\n## Environnement\n\n"
        + "\n".join(environment_lines(run))
        + "\n\n## Étapes\n\n| étape | ce que montre la capture | commande | code | durée "
        "| texte | image |\n|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
