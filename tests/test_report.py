"""`invoke report` end to end on the real engine, and the report's links."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import ROOT, docker, invoke

from kit import statement

REPORT = ROOT / "reports" / "rapport.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.fixture(scope="module")
def captures(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("captures")
    result = invoke("report", "--output", str(folder))
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
    (psql,) = captured(captures, "6-1-docker-compose-exec-db-psql-u-demo-d")
    assert psql.startswith("$ docker compose exec -T db psql -U demo -d demo")
    assert "PostgreSQL" in psql and " demo\n" in psql
    assert '"status":"ok"' in captured(captures, "4-2-curl-http-localhost-8000-health")[0]
    assert "Exited (0)" in captured(captures, "4-4-docker-ps-a")[0]
    assert "├── api/\n│   ├── .dockerignore\n│   ├── Dockerfile" in captured(captures, "5-1-*")[0]
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


def prose(text: str) -> list[str]:
    """The report's words of prose: code blocks, inline code, tables, pictures and link
    targets aside."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and not line.lstrip().startswith(("|", "![")):
            lines.append(line)
    kept = re.sub(r"`[^`]*`", "", re.sub(r"\]\([^)]*\)", "]", "\n".join(lines)))
    return [word for word in kept.split() if re.search(r"\w", word)]


def test_report_is_numbered_like_the_statement() -> None:
    text = REPORT.read_text(encoding="utf-8")
    headings = re.findall(r"^(#{2,3}) (.+)$", text, re.MULTILINE)
    parts = [h for level, h in headings if level == "##"]
    for number in range(1, 9):
        assert f"{number}. {statement.title(str(number))}" in parts, number
    part, found = "", set()
    for level, heading in headings:
        if level == "##":
            part = heading.split(".")[0]
        elif match := re.match(r"Étape (\d) — ", heading):
            found.add(f"{part}.{match[1]}")
            title = heading.removeprefix(match[0]).replace("`", "")
            assert title == statement.title(f"{part}.{match[1]}"), heading
    steps = {f"{p}.{n}" for p in "34567" for n in "12345"} & set(statement.TITLES)
    assert found == steps, sorted(steps - found)
    tree = text.split("### Étape 1 — Préparer")[1].split("###")[0]
    assert all(name in tree for name in ("api/", "app.py", "Dockerfile", "docker-compose.yml"))


def test_report_is_short_and_its_pictures_fit_a_screen() -> None:
    text = REPORT.read_text(encoding="utf-8")
    assert len(prose(text)) <= 1600, len(prose(text))
    for picture in re.findall(r"^!\[[^]]*\]\(([^)]+\.svg)\)", text, re.MULTILINE):
        view = re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', (REPORT.parent / picture).read_text())
        assert view and float(view[1]) <= 1200, (picture, view and view[1])


def test_report_keeps_the_facts_right() -> None:
    paragraphs = REPORT.read_text(encoding="utf-8").split("\n\n")
    for paragraph in paragraphs:
        says_restart = "redémarrage" in paragraph or "restart" in paragraph
        if says_restart and "variable" in paragraph:
            assert "ne prend pas en compte" in paragraph, paragraph
    volumes = next(p for p in paragraphs if "Conséquence de `-v`" in p)
    assert "anonyme" in volumes and "nommé" in volumes
    assert not any("172." in p for p in paragraphs), "a gateway address the captures may not show"


def test_the_captures_index_is_in_french() -> None:
    index = (REPORT.parent / "captures" / "index.md").read_text(encoding="utf-8")
    assert index.startswith("# Captures de `invoke report`")
    assert "| étape | ce que montre la capture |" in index
