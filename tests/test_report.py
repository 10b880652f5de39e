"""`invoke report` end to end on the real engine, and the report's links."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, docker

REPORT = ROOT / "reports" / "rapport.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.fixture(scope="module")
def captures(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("captures")
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "report", "--output", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "[31/31]" in result.stdout  # progress was shown, every step ran
    return folder


def capture(folder: Path, slug: str) -> str:
    (path,) = folder.glob(f"[0-9][0-9]-{slug}.txt")
    assert path.with_suffix(".svg").read_text(encoding="utf-8").startswith("<svg")
    return path.read_text(encoding="utf-8")


def test_every_step_has_text_picture_and_index(captures: Path) -> None:
    texts = sorted(captures.glob("*.txt"))
    assert len(texts) == 31
    assert all(p.with_suffix(".svg").exists() for p in texts)
    index = (captures / "index.md").read_text(encoding="utf-8")
    assert "Docker engine:" in index and "Docker Compose:" in index
    assert all(f"]({p.name})" in index for p in texts)


def test_captures_show_what_the_lab_asks(captures: Path) -> None:
    assert '"status": "ok"' in capture(captures, "run-health")
    assert '"database": "ok"' in capture(captures, "health")
    assert " demo\n" in capture(captures, "psql-database")
    assert "PostgreSQL" in capture(captures, "psql-version")
    assert '"GET /health HTTP/1.1" 200' in capture(captures, "logs")
    assert "Python 3." in capture(captures, "shell")
    assert 'Attribute "app" not found in module "app"' in capture(captures, "break-app")
    assert "Exited (0)" in capture(captures, "run-ps-all-after-stop")
    assert "tp1-report_db-data" in capture(captures, "volume-kept")
    assert "tp1-report_db-data" not in capture(captures, "volume-gone")
    for text in map(Path.read_text, captures.glob("*.txt")):
        assert text.startswith("$ ") and re.search(r"\[exit \d+, [\d.]+ s\]\n$", text)


def test_report_leaves_no_container_volume_or_image(captures: Path) -> None:
    label = "label=com.docker.compose.project=tp1-report"
    assert docker("ps", "-a", "-q", "--filter", label).stdout == ""
    assert docker("ps", "-a", "-q", "--filter", "name=^tp1-report-").stdout == ""
    assert docker("volume", "ls", "-q", "--filter", label).stdout == ""
    assert docker("image", "inspect", "simple-api:report", check=False).returncode != 0


def test_every_link_in_the_report_resolves() -> None:
    text = REPORT.read_text(encoding="utf-8")
    targets = [t.split("#")[0] for t in LINK.findall(text) if not t.startswith(("http", "#"))]
    missing = [t for t in targets if not (REPORT.parent / t).exists()]
    assert targets and not missing, f"broken links: {missing}"


def test_report_links_at_least_twelve_captures_with_their_pictures() -> None:
    links = set(LINK.findall(REPORT.read_text(encoding="utf-8")))
    texts = {
        t.removesuffix(".txt") for t in links if t.startswith("captures/") and t.endswith(".txt")
    }
    pictures = {t.removesuffix(".svg") for t in links if t.endswith(".svg")}
    assert len(texts & pictures) >= 12, sorted(texts & pictures)


def test_report_answers_each_exercise_in_french() -> None:
    text = REPORT.read_text(encoding="utf-8")
    for number in range(1, 9):
        assert re.search(rf"^## {number}\. ", text, re.MULTILINE), (
            f"no section for exercise {number}"
        )
    assert "## Difficultés rencontrées" in text
