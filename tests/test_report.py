"""`invoke report` end to end on the real engine, and the report's links."""

from __future__ import annotations

import os
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
        encoding="utf-8",
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "[40] 7.5 docker image prune" in result.stdout  # every step ran, shown as it went
    return folder


def captured(folder: Path, slug: str) -> list[str]:
    """The texts of the captures named after slug (the statement's words), in order."""
    paths = sorted(folder.glob(f"[0-9][0-9]-{slug}.txt"))
    assert paths, f"no capture {slug}"
    for path in paths:
        assert path.with_suffix(".svg").read_text(encoding="utf-8").startswith("<svg")
    return [path.read_text(encoding="utf-8") for path in paths]


def test_every_step_has_text_picture_and_index(captures: Path) -> None:
    texts = sorted(captures.glob("*.txt"))
    assert len(texts) == 40
    assert all(p.with_suffix(".svg").exists() for p in texts)
    index = (captures / "index.md").read_text(encoding="utf-8")
    assert "moteur Docker :" in index and "Docker Compose :" in index
    assert all(f"]({p.name})" in index for p in texts)
    for text in (p.read_text(encoding="utf-8") for p in texts):
        assert text.startswith(("$ ", "api/ $ ")) and re.search(r"\[exit \d+, [\d.]+ s\]\n$", text)


def test_the_statements_own_commands_are_captured(captures: Path) -> None:
    build, _rebuild = captured(captures, "3-3-docker-build-t-simple-api")
    first_line = build.splitlines()[0]
    assert first_line.startswith("api/ $ docker build ") and first_line.endswith(" -t simple-api .")
    (psql,) = captured(captures, "6-1-docker-compose-exec-db-psql-u-demo-d-d")
    assert psql.startswith("$ docker compose exec -T db psql -U demo -d demo")
    assert "PostgreSQL" in psql and " demo\n" in psql
    assert '"status":"ok"' in captured(captures, "4-2-curl-http-localhost-8000-health")[0]
    assert "Exited (0)" in captured(captures, "4-4-docker-ps-a")[0]
    assert "api/\n│   ├── Dockerfile" in captured(captures, "5-1-*")[0]
    assert '"GET /health HTTP/1.1" 200' in captured(captures, "7-1-docker-compose-logs-f-api")[0]
    assert "Python 3." in captured(captures, "7-2-docker-compose-exec-api-sh")[0]
    assert (
        'Attribute "app" not found in module "app"'
        in captured(captures, "7-4-docker-compose-logs-f-api")[0]
    )
    kept, gone = captured(captures, "6-4-docker-volume-ls-*")
    assert "tp1-report_db-data" in kept and "tp1-report_db-data" not in gone


def test_a_rebuild_after_an_edit_redoes_only_the_code_layer(captures: Path) -> None:
    rebuild = captured(captures, "3-3-docker-build-t-simple-api")[1]
    copy_code = rebuild.split("COPY app.py")[1].split("\n\n")[0]
    assert "CACHED" not in copy_code, copy_code
    venv = rebuild.split("COPY --from=builder /opt/venv")[1].split("\n\n")[0]
    assert "CACHED" in venv, venv


def test_report_leaves_no_container_volume_or_image(captures: Path) -> None:
    label = "label=com.docker.compose.project=tp1-report"
    assert docker("ps", "-a", "-q", "--filter", label).stdout == ""
    assert docker("ps", "-a", "-q", "--filter", "label=tp1-lab-kit.report=tp1-report").stdout == ""
    assert docker("volume", "ls", "-q", "--filter", label).stdout == ""
    for public in ("hello-world", "alpine"):  # stand-ins, if tagged, are untagged again
        if os.environ.get("PYTHON_IMAGE"):
            assert docker("image", "inspect", public, check=False).returncode != 0, public


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
