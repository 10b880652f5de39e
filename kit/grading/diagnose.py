"""From what the engine or a container printed, the cause of a failure and its fix.

Each rule is a pattern found in the output and one line of advice; the detail quotes
the line that matched, so that the student reads the cause in their own output.
"""

from __future__ import annotations

import re

from kit.grading.messages import N_, _

# (pattern in the output, the fix), the first that matches wins. The fixes are
# translated where they are said (N_ marks them for the catalogue).
RULES: tuple[tuple[str, str], ...] = (
    (
        r'Attribute "(\w+)" not found in module "(\w+)"',
        N_(
            "uvicorn looks for the object its command names (`uvicorn app:app`): name the "
            "FastAPI object `app` in app.py, or name yours in the command."
        ),
    ),
    (
        r"NameError: name '(\w+)' is not defined",
        N_(
            "app.py uses a name it no longer defines (the FastAPI object renamed?): define "
            "`app = FastAPI()` before the routes that use `@app`."
        ),
    ),
    (
        r'Could not import module "(\w+)"',
        N_(
            "the image has no such module in its working directory: check WORKDIR and that "
            "COPY puts app.py there."
        ),
    ),
    (
        r"No module named '([\w.]+)'",
        N_(
            "a package is missing from the image: install it in the Dockerfile "
            "(RUN pip install ...)."
        ),
    ),
    (
        r'exec: "?([^":]+)"?: executable file not found',
        N_(
            "the image's command runs a program it does not have: check CMD and what the "
            "Dockerfile installs (uvicorn too, not only fastapi)."
        ),
    ),
    (
        r"Uvicorn running on http://(127\.0\.0\.1|localhost):\d+",
        N_(
            "the server listens only inside its container (127.0.0.1): start it with "
            "`--host 0.0.0.0` so that the published port reaches it."
        ),
    ),
    (
        r"Uvicorn running on http://[\d.]+:(?!8000\b)(\d+)",
        N_(
            "the server listens on another port than 8000, the one the statement publishes: "
            "start it with `--port 8000`."
        ),
    ),
    (
        r"(password authentication failed for user \"\w+\"|role \"\w+\" does not exist)",
        N_(
            "the credentials differ from the database's: use the statement's demo/demo/demo "
            "in both services."
        ),
    ),
    (
        r"(failed to read dockerfile|Dockerfile path)[^\n]*no such file",
        N_(
            "the build's folder has no Dockerfile that Docker finds: on Linux, name it "
            "exactly Dockerfile (Windows and macOS ignore case)."
        ),
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
            return _("{line} — fix: {fix}").format(line=line[:200], fix=_(fix))
    return None


# BuildKit names the base image it pulls in its step's first line: `#3 [internal] load
# metadata for python:3.11-slim`; the same step's error line starts with `#3 `.
BASE_IMAGE = re.compile(r"^#(\d+) \[[^\]]*\] load metadata for (\S+)", re.MULTILINE)


def unpullable(output: str, pulled: dict[str, str]) -> tuple[str, str] | None:
    """The image that could not be pulled from here and the line that says so; only an
    image the student's files name and do not build: a build's base image, or the
    image of a service with no build (pulled: {service: image}; Compose's line starts
    with the service's name). A network error of anything else is not a pull's."""
    bases = {found[1]: found[2] for found in BASE_IMAGE.finditer(output)}
    for line in (ln.strip() for ln in output.splitlines() if UNPULLABLE.search(ln)):
        step = re.match(r"#(\d+) ", line)
        if step and step[1] in bases:
            return bases[step[1]], line
        if (service := line.split(" ", 1)[0]) in pulled:
            return pulled[service], line
    return None


def last_error(output: str, lines: int = 2) -> str:
    """The last lines that look like an error (else the last lines), joined on one line."""
    text = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    errors = [ln for ln in text if ERROR_LINE.search(ln)]
    return " | ".join((errors or text)[-lines:])[:400] or _("no output")


def explain(output: str) -> str:
    """The cause and fix when a rule knows them; else the output's last error lines."""
    return cause(output) or last_error(output)
