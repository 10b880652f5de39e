"""The lint gates of `invoke lint`, as the commands a person would type."""

from __future__ import annotations

import os
import shutil

CHECKS: list[tuple[str, list[str]]] = [
    ("ruff check", ["ruff", "check", "."]),
    ("ruff format", ["ruff", "format", "--check", "."]),
    # hadolint's default threshold: any finding fails (api/Dockerfile has a numeric USER).
    ("hadolint", ["hadolint", "api/Dockerfile"]),
    ("compose config", ["docker", "compose", "config", "-q"]),
    # Security findings of high severity fail; accepted ones are in .compose-lint.yml, with reasons.
    ("compose-lint", ["compose-lint", "check", "-q", "docker-compose.yml"]),
    ("uv lock", ["uv", "lock", "--check"]),
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
        "dependabot schema",
        ["check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"],
    ),
]

NIX_CHECK = ["bash", "nix/check-flake"]


def nix_problem() -> str | None:
    """None when the Nix checks can run here; else why not."""
    if os.environ.get("SKIP_NIX_CHECKS"):
        return "SKIP_NIX_CHECKS is set"
    if shutil.which("nix") is None:
        return "nix is not installed (Debian: apt-get install nix-bin)"
    return None
