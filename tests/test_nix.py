"""The Nix side: the real flake for users, the stand-in only for the kit's own CI,
the dev shell's environment, and .ci/run's own preconditions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT

from kit import lint

# Nix and the kit's CI script run on Linux and macOS; Windows has neither sh nor Nix.
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="runs sh scripts: not on Windows")

FAKE_NIX = """#!/bin/sh
# Logs its arguments, answers `flake metadata --json` as Nix does, and fails `develop`.
echo "$*" >> "$NIX_LOG"
case "$*" in
  *"flake metadata --json"*) echo '{"locks":{"nodes":{"nixpkgs":{
    "original":{"ref":"nixos-26.05"},"locked":{"rev":"5880666fd9eb5630"}}}}}' ;;
  *develop*) echo "error: no network here" >&2; exit 1 ;;
esac
"""


def run_check(
    tmp_path: Path, command: list[str], **env: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the lint task's Nix command with a fake `nix` first on PATH; its calls, logged."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nix").write_text(FAKE_NIX, encoding="utf-8")
    (bin_dir / "nix").chmod(0o755)
    log = tmp_path / "nix.log"
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", lint.STANDIN_VARIABLE)}
    environ |= {"PATH": f"{bin_dir}{os.pathsep}{environ['PATH']}", "NIX_LOG": str(log), **env}
    result = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )
    return result, log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.mark.skipif(shutil.which("git") is None, reason="check-flake reads the flake from git")
@POSIX_ONLY
def test_lint_checks_the_real_flake_outside_the_kits_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(lint.STANDIN_VARIABLE, raising=False)
    command = lint.nix_check()
    assert command == ["bash", "nix/check-flake"]
    result, calls = run_check(tmp_path, command, NIX_CONFIG="sandbox = true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nix develop from ./ failed" in result.stderr
    assert any(" develop " in f" {call} " for call in calls), calls
    assert not [call for call in calls if "--override-input" in call], calls
    assert "stand-in" not in result.stdout


@POSIX_ONLY
def test_the_kits_ci_asks_for_the_standin_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(lint.STANDIN_VARIABLE, "1")
    command = lint.nix_check()
    assert command == ["bash", "nix/check-flake", "--standin"]
    result, calls = run_check(tmp_path, command)
    assert "nixpkgs replaced by nix/standin-nixpkgs" in result.stdout
    evaluations = [call for call in calls if " eval " in f" {call} " or "develop" in call]
    assert evaluations, calls
    assert all("--override-input nixpkgs path:" in call for call in evaluations), calls


def test_the_shell_never_puts_glibc_on_the_library_path() -> None:
    flake = (ROOT / "flake.nix").read_text(encoding="utf-8")
    library_path = re.search(r"LD_LIBRARY_PATH =(.+?);", flake, re.DOTALL).group(1)
    assert "manylinux" not in library_path and "glibc" not in library_path
    assert "pkgs.stdenv.cc.cc.lib" in library_path and "pkgs.zlib" in library_path


def test_the_shell_finds_the_kit_from_a_subfolder() -> None:
    hook = re.search(
        r"shellHook = ''(.+?)'';", (ROOT / "flake.nix").read_text(encoding="utf-8"), re.DOTALL
    )
    assert "$PWD/.venv" not in hook.group(1)
    assert '--project "$kit_root"' in hook.group(1)
    assert 'export PATH="$kit_root/.venv/bin:$PATH"' in hook.group(1)


def test_the_standin_models_real_nixpkgs_values() -> None:
    standin = (ROOT / "nix" / "standin-nixpkgs" / "flake.nix").read_text(encoding="utf-8")
    assert 'interpreter = "${python312}/bin/python3.12";' in standin
    assert "Docker Compose version 5." in standin


@POSIX_ONLY
def test_ci_run_outside_the_workplace_says_what_it_is(tmp_path: Path) -> None:
    clone = tmp_path / "student-repo"
    (clone / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "run", clone / ".ci" / "run")
    result = subprocess.run(
        ["bash", ".ci/run"], cwd=clone, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "the kit's own CI" in result.stderr and ".github/workflows/ci.yml" in result.stderr


def test_ci_run_makes_the_nix_build_users_and_asks_for_the_standin() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "groupadd --system nixbld" in script
    assert re.search(r"useradd .*--groups nixbld", script.replace("\\\n", " "))
    assert f"export {lint.STANDIN_VARIABLE}=1" in script


def test_workflow_proves_the_shell_on_a_real_nix() -> None:
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    job = workflow["jobs"]["nix"]
    assert "SKIP_NIX_CHECKS" not in job.get("env", {})
    uses = [step["uses"] for step in job["steps"] if "uses" in step]
    assert any(re.fullmatch(r"cachix/install-nix-action@v\d+\.\d+\.\d+", u) for u in uses), uses
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "nix develop --command" in runs and "bash nix/check-flake" in runs
    for tool in ("docker --version", "docker compose", "python --version", "psql --version"):
        assert tool in runs


def test_dependabot_claims_only_what_it_can_read() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {entry["package-ecosystem"]: entry for entry in config["updates"]}
    dockerfile = (ROOT / "api" / "Dockerfile").read_text(encoding="utf-8")
    literal_from = re.search(r"^FROM [a-z0-9./-]+:[\w.-]+", dockerfile, re.MULTILINE)
    assert ("docker" in ecosystems) == bool(literal_from)
    ignored = ecosystems["docker-compose"]["ignore"]
    majors = {"dependency-name": "postgres", "update-types": ["version-update:semver-major"]}
    assert majors in ignored
