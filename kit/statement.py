"""The lab statement's own commands, as data: what it says to type, where, and in which order.

This is the one description of the statement (../shared/lab/tp1-enonce.md) that the
kit's verbatim suite replays on the kit's files (tests/test_statement_verbatim.py);
the report's captures and the grader of students' repositories are to read it too.
Each command is written exactly as the statement writes it. `step` is the statement's
number: "4.2" is part 4, « Étape 2 »; in parts 1 and 2, whose steps are a numbered
list, "2.3" is item 3 of part 2; "6.0" is part 6's « Pré-requis ».

How a command is replayed, by `kind`:
- "run": it ends by itself; exit 0 expected.
- "server": it runs until stopped (`docker run -p 8000:8000 simple-api`); a replay
  starts it detached (`-d`) and keeps the container's id for `<nom_ou_id_du_conteneur>`.
- "interactive": a person types `input` into it; a replay feeds that input with no
  terminal (`-i` for `docker run -it`, `-T` for `docker compose exec`).
- "follow": it prints until Ctrl-C (`logs -f`); a replay reads it for a bounded time.
- "confirm": it asks « Are you sure? [y/N] »; a replay answers y.
- "edit": not a command but a change the statement asks for in a file (`command`
  describes it; `path`, `old` and `new` say what changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The statement's own values, which its commands use literally.
IMAGE = "simple-api"
API_PORT = 8000
DB_PORT = 5432
# The lab's public throwaway credentials, as the statement gives them.
DB_USER = DB_NAME = DB_PASSWORD = "demo"  # noqa: S105
CONTAINER_PLACEHOLDER = "<nom_ou_id_du_conteneur>"
# Part 5, step 1: the layout the statement asks for, from the lab's root.
LAYOUT = ("api/app.py", "api/Dockerfile", "docker-compose.yml")


@dataclass(frozen=True)
class Command:
    step: str
    command: str
    kind: str = "run"
    # Where it is typed: "." is the lab's root (where docker-compose.yml is), "api"
    # the folder of the Dockerfile (the statement builds there: `docker build ... .`).
    where: str = "."
    input: str = ""
    # What a person expects to read in its output (a regular expression), if anything.
    expect: str = ""
    # For "edit": the file, and the text that the statement's change replaces.
    path: str = ""
    old: str = ""
    new: str = ""


# The statement's headings, by number: a part's, each « Étape » of parts 3 to 7, and the
# words in bold of the numbered items of parts 1 and 2 (no heading): from the first bold
# word to the last, with the plain words between them (1.1).
TITLES = {
    "1": "Installation de Docker et vérification de l'environnement",
    "1.1": "Installez Docker Desktop (Windows / macOS) ou Docker Engine",
    "1.2": "Vérifiez votre installation",
    "1.3": "Listez maintenant les conteneurs présents sur votre machine",
    "2": "Premiers pas avec Docker : images et conteneurs",
    "2.1": "Exécutez un conteneur très léger basé sur l'image alpine",
    "2.2": "Listez à nouveau les conteneurs présents sur votre machine",
    "2.3": "Lancez un conteneur interactif basé sur Alpine",
    "3": "Construire une première image Docker avec une mini-API FastAPI",
    "3.1": "Compléter le fichier app.py",
    "3.2": "Compléter le Dockerfile",
    "3.3": "Construire l'image Docker",
    "4": "Exécuter l'API FastAPI dans un conteneur Docker",
    "4.1": "Lancer le conteneur",
    "4.2": "Tester l'endpoint /health",
    "4.3": "Observer les conteneurs en cours d'exécution",
    "4.4": "Arrêter le conteneur",
    "5": "Démarrer un mini-système multi-conteneurs avec Docker Compose",
    "5.1": "Préparer la structure des fichiers",
    "5.2": "Compléter le fichier docker-compose.yml",
    "5.3": "Démarrer la stack avec Docker Compose",
    "5.4": "Tester à nouveau l'endpoint /health",
    "5.5": "Arrêter proprement les services",
    "6": "Interagir avec la base de données PostgreSQL dans un conteneur",
    "6.0": "Pré-requis",
    "6.1": "Se connecter au conteneur PostgreSQL",
    "6.2": "Exécuter quelques commandes SQL simples",
    "6.3": "Comprendre la connexion depuis d'autres services",
    "6.4": "Nettoyer",
    "7": "Déboguer des conteneurs Docker : commandes essentielles et bonnes pratiques",
    "7.1": "Afficher les logs d'un service",
    "7.2": "Entrer dans un conteneur en cours d'exécution",
    "7.3": "Redémarrer un service",
    "7.4": "Conteneur qui ne démarre pas : diagnostic",
    "7.5": "Supprimer des conteneurs et images",
    "8": "Questions de réflexion et consignes pour le rendu",
}


def title(step: str) -> str:
    """The statement's heading for a step ("7.0" is its part's own)."""
    return TITLES.get(step) or TITLES[step.split(".")[0]]


HEALTH = r'\{"status":\s*"ok"\}'
# Commands the grader judges by their words (kit/grading/judge.py), each used below.
BUILD = f"docker build -t {IMAGE} ."
RUN_IMAGE = f"docker run -p {API_PORT}:8000 {IMAGE}"
CURL_HEALTH = f"curl http://localhost:{API_PORT}/health"
STOP = f"docker stop {CONTAINER_PLACEHOLDER}"
PSQL = f"docker compose exec db psql -U {DB_USER} -d {DB_NAME}"

COMMANDS: tuple[Command, ...] = (
    # 1. Installation de Docker et vérification de l'environnement
    # "Hello from Docker!", or a local stand-in's "Hello from a local stand-in..."
    Command("1.2", "docker run hello-world", expect="Hello from"),
    Command("1.3", "docker ps -a"),
    # 2. Premiers pas avec Docker : images et conteneurs
    Command(
        "2.1",
        'docker run alpine echo "Bonjour depuis un conteneur Alpine"',
        expect="Bonjour depuis un conteneur Alpine",
    ),
    Command("2.2", "docker ps -a", expect="Exited"),
    Command("2.3", "docker run -it alpine sh", "interactive", input="ls\nuname -a\nexit\n"),
    # 3. Construire une première image Docker avec une mini-API FastAPI
    Command("3.3", BUILD, where="api"),
    # 4. Exécuter l'API FastAPI dans un conteneur Docker
    Command("4.1", RUN_IMAGE, "server"),
    Command("4.2", CURL_HEALTH, expect=HEALTH),
    Command("4.3", "docker ps", expect=IMAGE),
    Command("4.4", STOP),
    Command("4.4", "docker ps"),
    Command("4.4", "docker ps -a", expect=IMAGE),
    # 5. Démarrer un mini-système multi-conteneurs avec Docker Compose
    Command("5.3", "docker compose up -d"),
    Command("5.3", "docker compose ps", expect="api"),
    Command("5.4", CURL_HEALTH, expect=HEALTH),
    Command("5.5", "docker compose down"),
    # 6. Interagir avec la base de données PostgreSQL dans un conteneur
    Command("6.0", "docker compose up -d"),
    Command("6.0", "docker compose ps", expect="db"),
    # Step 6.2's queries, typed into step 6.1's psql.
    Command(
        "6.1",
        PSQL,
        "interactive",
        input="SELECT version();\nSELECT current_database();\n",
        expect=rf"PostgreSQL \d+[\s\S]*current_database[\s\S]*{DB_NAME}",
    ),
    Command("6.4", "docker compose down"),
    Command("6.4", "docker compose down -v"),
    # 7. Déboguer des conteneurs Docker
    Command("7.0", "docker compose up -d"),
    Command("7.1", "docker compose logs -f api", "follow", expect="Uvicorn running"),
    Command(
        "7.2",
        "docker compose exec api sh",
        "interactive",
        input="ls\npython --version\nexit\n",
        expect=r"app\.py[\s\S]*Python 3\.",
    ),
    Command("7.3", "docker compose restart api"),
    Command("7.3", CURL_HEALTH, expect=HEALTH),
    Command(
        "7.4",
        "renommer `app` en `appi` dans api/app.py",
        "edit",
        path="api/app.py",
        old="app",
        new="appi",
    ),
    Command("7.4", BUILD, where="api"),
    Command("7.4", "docker compose up -d --build"),
    Command("7.4", "docker compose logs -f api", "follow", expect='Attribute "app" not found'),
    Command("7.5", "docker container prune", "confirm"),
    Command("7.5", "docker image prune", "confirm"),
)


def commands(first_part: int = 1, last_part: int = 8) -> list[Command]:
    """The statement's commands of parts first_part to last_part, in its order."""
    return [c for c in COMMANDS if first_part <= int(c.step.split(".")[0]) <= last_part]


# `app = FastAPI(...)`, `@app.get(...)`: the module-level name the statement renames.
APP_NAME = re.compile(r"^(@?)app\b", re.MULTILINE)


def edited(text: str, command: Command) -> str:
    """The file's text after the statement's edit: `app` renamed `appi` at module level."""
    assert command.kind == "edit" and (command.old, command.new) == ("app", "appi")
    return APP_NAME.sub(r"\1appi", text)
