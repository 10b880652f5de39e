"""kit/dates.py: the build context dated by Git, files with changes left alone."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kit.dates import date_as_committed

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z"}
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", *identity, *args], cwd=repo, env=env, capture_output=True, check=True)


def test_committed_files_get_their_commit_date_and_changed_ones_keep_theirs(
    tmp_path: Path,
) -> None:
    (tmp_path / "api").mkdir()
    for name in ("app.py", "database.py"):
        (tmp_path / "api" / name).write_text(f"# {name}\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "one")
    (tmp_path / "api" / "database.py").write_text("# changed\n", encoding="utf-8")
    changed_date = (tmp_path / "api" / "database.py").stat().st_mtime
    assert date_as_committed(tmp_path) == ["api/app.py"]
    assert (tmp_path / "api" / "app.py").stat().st_mtime == 1767323045  # 2026-01-02T03:04:05Z
    assert (tmp_path / "api" / "database.py").stat().st_mtime == changed_date


def test_outside_a_git_checkout_nothing_is_touched(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "app.py").write_text("x\n", encoding="utf-8")
    assert date_as_committed(tmp_path) == []
