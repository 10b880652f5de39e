"""From what the engine or a container printed, the cause of a failure and its fix.

Each rule is a pattern found in the output and one line of advice; the detail quotes
the line that matched, so that the student reads the cause in their own output.
"""

from __future__ import annotations

import re

# (pattern in the output, the fix), the first that matches wins.
RULES: tuple[tuple[str, str], ...] = (
    (
        r'Attribute "(\w+)" not found in module "(\w+)"',
        "uvicorn looks for the object its command names (`uvicorn app:app`): name the "
        "FastAPI object `app` in app.py, or name yours in the command.",
    ),
    (
        r"NameError: name '(\w+)' is not defined",
        "app.py uses a name it no longer defines (the FastAPI object renamed?): define "
        "`app = FastAPI()` before the routes that use `@app`.",
    ),
    (
        r'Could not import module "(\w+)"',
        "the image has no such module in its working directory: check WORKDIR and that "
        "COPY puts app.py there.",
    ),
    (
        r"No module named '([\w.]+)'",
        "a package is missing from the image: install it in the Dockerfile (RUN pip install ...).",
    ),
    (
        r'exec: "?([^":]+)"?: executable file not found',
        "the image's command runs a program it does not have: check CMD and what the "
        "Dockerfile installs.",
    ),
    (
        r"Uvicorn running on http://(127\.0\.0\.1|localhost):\d+",
        "the server listens only inside its container (127.0.0.1): start it with "
        "`--host 0.0.0.0` so that the published port reaches it.",
    ),
    (
        r"Uvicorn running on http://[\d.]+:(?!8000\b)(\d+)",
        "the server listens on another port than 8000, the one the statement publishes: "
        "start it with `--port 8000`.",
    ),
    (
        r"(password authentication failed for user \"\w+\"|role \"\w+\" does not exist)",
        "the credentials differ from the database's: use the statement's demo/demo/demo "
        "in both services.",
    ),
)

# What says that no registry could be reached from here: not the student's error. (An
# image that does not exist, `manifest unknown` or `pull access denied`, is theirs.)
UNPULLABLE = re.compile(
    r"no such host|i/o timeout|TLS handshake timeout|network is unreachable|"
    r"connection refused|dial tcp|toomanyrequests|failed to do request",
    re.IGNORECASE,
)
ERROR_LINE = re.compile(r"(error|failed|exception|traceback|fatal)", re.IGNORECASE)


def cause(output: str) -> str | None:
    """`cause: the matched line. fix: ...`, or None when no rule matches."""
    for pattern, fix in RULES:
        if found := re.search(pattern, output):
            line = next(
                (ln.strip() for ln in output.splitlines() if found.group(0) in ln),
                found.group(0),
            )
            return f"{line[:200]} — fix: {fix}"
    return None


def unpullable(output: str) -> str | None:
    """The line that says an image could not be pulled, if one does."""
    return next((ln.strip() for ln in output.splitlines() if UNPULLABLE.search(ln)), None)


def last_error(output: str, lines: int = 2) -> str:
    """The last lines that look like an error (else the last lines), joined on one line."""
    text = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    errors = [ln for ln in text if ERROR_LINE.search(ln)]
    return " | ".join((errors or text)[-lines:])[:400] or "no output"


def explain(output: str) -> str:
    """The cause and fix when a rule knows them; else the output's last error lines."""
    return cause(output) or last_error(output)
