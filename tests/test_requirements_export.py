"""api/requirements.txt, what the image installs, is the export of the top-level uv.lock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import ROOT

from kit import requirements


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("pyproject.toml", "uv.lock", requirements.PATH):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    monkeypatch.setattr(requirements, "ROOT", tmp_path)
    return tmp_path


def test_the_committed_export_matches_the_lock(copy: Path) -> None:
    assert requirements.main(["--check"]) == 0


def test_a_drift_fails_and_says_how_to_fix_it(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy / requirements.PATH
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("fastapi==", "fastapi==0.0.1 #"), encoding="utf-8")
    assert requirements.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "does not match uv.lock: run `uv run invoke requirements`" in out
    assert requirements.main([]) == 0
    assert path.read_text(encoding="utf-8") == text
