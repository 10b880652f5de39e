"""The report (reports/rapport.md) and the captures `invoke report` writes.

The committed captures and a fresh run of `invoke report` (on the real engine) are
held to the same checks (`check_captures`): each command is the statement's own, as
typed, the first build runs `pip install`, psql shows its prompt and both queries,
the break of 7.4 shows in `docker compose ps -a`, the anonymous volume of part 5's
database stays after `down`, `down -v` on the running stack removes its own, the prunes
are the statement's (or, on a busy engine, said to be replaced). The report itself: the
statement's headings, the five pictures it asks for, the model answer's files as they
are in corrige/, its blocks of terminal output as the captures hold them, the kit's
tools only in its last section, and the word budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT, docker, invoke
from invoke import Exit

from kit import corrige, excerpts, report, statement

REPORT = ROOT / "reports" / "rapport.md"
CAPTURES = ROOT / "reports" / "captures"
LINK = re.compile(r"\]\(([^)\s]+)\)")
FURTHER = "Pour aller plus loin"
# The items of parts 1 and 2 that ask for something (the report's headings there).
ITEMS = ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3")
# The screenshots the statement asks for, by step.
PICTURES = ("3.3", "4.2", "5.3", "5.4", "6.2")
WORD_BUDGET = 1300
# What a model answer in French does not say (anglicisms, the kit's own voice).
NOT_SAID = ("mapping", "restarting", "tourne sans root", "rend 0", "tapées par un script",
            "la production veut", "servie par Compose", "installe en plus",
            # and what a review found wrong or unclear
            "pendantes", "longues commandes", "ancienne image par erreur",
            "autre nom de l'énoncé", "ci-après", "(SIGTERM, puis SIGKILL")  # fmt: skip
TOOLS = re.compile(r"\b(invoke|uv|pytest)\b")


# --- the report's text ---------------------------------------------------------------
def text() -> str:
    return REPORT.read_text(encoding="utf-8")


def sections(level: str) -> dict[str, str]:
    """Each heading of that level ("##", "###"), with the text under it."""
    found = re.split(rf"^{level} (.+)$", text(), flags=re.MULTILINE)
    return dict(zip(found[1::2], found[2::2], strict=True))


def steps() -> dict[str, str]:
    """The statement's steps answered: "1.2" (parts 1 and 2), "3.1" (« Étape 1 » of part 3)…"""
    found, part = {}, ""
    for heading, body in re.findall(r"^(#{2,3} .+)$\n((?:(?!^#{2,3} )[\s\S])*)", text(), re.M):
        if heading.startswith("## "):
            part = heading[3:].split(".")[0]
        elif match := re.match(r"### Étape (\d) — ", heading):
            found[f"{part}.{match[1]}"] = body
        elif match := re.match(r"### (\d\.\d) ", heading):
            found[match[1]] = body
    return found


def prose(markdown: str) -> list[str]:
    """The words of prose, inline code included: code blocks, tables, pictures, comments
    and link targets aside."""
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):  # a block inside a list item is indented
            fenced = not fenced
        elif not fenced and not line.lstrip().startswith(("|", "![", "<!--")):
            lines.append(line)
    kept = re.sub(r"\]\([^)]*\)", "]", "\n".join(lines)).replace("`", " ")
    return [word for word in kept.split() if re.search(r"\w", word)]


def test_report_is_numbered_like_the_statement() -> None:
    parts = list(sections("##"))
    for number in range(1, 9):
        assert f"{number}. {statement.title(str(number))}" in parts, number
    answered = steps()
    for step in answered:
        if step[0] in "34567":
            heading = next(h for h in sections("###") if h.startswith(f"Étape {step[2]} — "))
            assert heading
    expected = {f"{p}.{n}" for p in "34567" for n in "12345"} & set(statement.TITLES)
    expected |= set(ITEMS)
    assert set(answered) >= expected, sorted(expected - set(answered))
    headings = [h.replace("`", "") for h in sections("###")]
    for part in "34567":
        for number in "12345":
            step = f"{part}.{number}"
            if step in statement.TITLES:
                assert f"Étape {number} — {statement.title(step)}" in headings, step
    # Parts 1 and 2: the items' numbers and the statement's words, in one style with « Étape ».
    items = [h for h in headings if re.match(r"\d\.\d ", h)]
    assert items == [f"{step} — {statement.TITLES[step]}" for step in ITEMS], items
    assert "Question" in sections("###"), "part 2's question"
    assert all(name in answered["5.1"] for name in ("api/", "app.py", "Dockerfile"))


def test_the_five_screenshots_are_pictures_in_their_steps() -> None:
    answered = steps()
    for step in PICTURES:
        pictures = re.findall(r"^!\[[^]]*\]\((captures/[^)]+\.svg)\)", answered[step], re.M)
        assert pictures, f"step {step} has no picture"
        for picture in pictures:
            svg = (REPORT.parent / picture).read_text(encoding="utf-8")
            view = re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg)
            assert svg.startswith("<svg") and view and float(view[1]) <= 1200, picture


def test_every_link_resolves() -> None:
    targets = [t.split("#")[0] for t in LINK.findall(text()) if not t.startswith(("http", "#"))]
    missing = [t for t in targets if not (REPORT.parent / t).exists()]
    assert targets and not missing, f"broken links: {missing}"


def test_the_answer_files_are_shown_as_they_are_in_corrige() -> None:
    answered = steps()
    for step, language, name in (("3.1", "python", "api/app.py"),
                                 ("3.2", "dockerfile", "api/Dockerfile"),
                                 ("5.2", "yaml", "docker-compose.yml")):  # fmt: skip
        block = re.search(rf"```{language}\n([\s\S]*?)```", answered[step])
        assert block, step
        assert block[1] == (corrige.CORRIGE / name).read_text(encoding="utf-8"), name


def test_the_kits_tools_and_the_notice_are_in_the_last_section_only() -> None:
    parts = list(sections("##"))
    assert parts[-1].startswith(FURTHER), parts[-1]
    before = text().split(f"## {FURTHER}")[0]
    assert not TOOLS.findall(before), TOOLS.findall(before)
    assert not re.search(r"^> ", before, re.M), "no box: the notice is at the end"
    last = list(sections("###"))[-1]
    assert last.startswith("Comment les captures ont été faites"), last
    notice = sections("###")[last]
    for said in ("pseudo-terminal", "docker container prune", "docker image prune", "cache"):
        assert said in notice, said


def test_report_is_short_in_one_voice_without_anglicisms() -> None:
    words = prose(text())
    assert len(words) <= WORD_BUDGET, len(words)
    # Outside code: `Restarting` is what docker compose ps prints.
    said = re.sub(r"`[^`]*`", "", re.sub(r"```[\s\S]*?```", "", text())).lower()
    for phrase in NOT_SAID:
        assert phrase.lower() not in said, phrase


def test_the_lab_folders_name_is_the_compose_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hidden project name: Compose names the model answer's project after its folder,
    as it does for a student's; the report says where the names come from."""
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "yours")
    assert "COMPOSE_PROJECT_NAME" not in report.environment()
    with report.scratch() as (lab, _):
        assert lab.name == report.PROJECT and (lab / "docker-compose.yml").is_file()
    assert f"`{report.PROJECT}`" in steps()["5.3"] and "<projet>" in text()


def test_what_the_report_says_is_what_the_captures_show() -> None:
    answered = steps()
    (ps,) = captured(CAPTURES, "4-3-docker-ps")
    name = re.search(r"`([a-z]+_[a-z]+)`", answered["4.3"])
    assert name and name[1] in ps, "the container's name is the one in the capture"
    # The real images' versions are said, and the stand-ins' versions the captures show.
    (psql,) = captured(CAPTURES, "6-1-docker-compose-exec-db-psql-u-demo-d")
    assert "PostgreSQL 16." in answered["6.2"]
    shown = re.search(r"PostgreSQL (\d+\.\d+)", psql)
    assert shown and (shown[1].startswith("16.") or f"`{shown[1]}`" in answered["6.2"])
    (shell,) = captured(CAPTURES, "7-2-docker-compose-exec-api-sh")
    assert "Python 3.12." in answered["7.2"]
    python = re.search(r"Python (3\.\d+\.\d+)", shell)
    assert python and (python[1].startswith("3.12.") or f"`{python[1]}`" in answered["7.2"])
    (ps_all,) = captured(CAPTURES, "7-4-docker-compose-ps-a")
    code = re.search(r"`Exited \((\d+)\)`", answered["7.4"])
    assert code and f"Exited ({code[1]})" in ps_all
    # 1.1: the engine and Compose versions said are the captures'.
    (engine,) = captured(CAPTURES, "1-1-docker-version")
    (compose,) = captured(CAPTURES, "1-1-docker-compose-version")
    server = re.search(r"^Server:[\s\S]*?Version: +(\d+\.\d+)", engine, re.M)
    plugin = re.search(r"version v?(\d+\.\d+)", compose)
    assert server and f"Docker Engine {server[1]}" in answered["1.1"], answered["1.1"]
    assert plugin and f"Docker Compose {plugin[1]}" in answered["1.1"], answered["1.1"]
    # The notice names the public images that stand-ins replaced: the index's.
    index = (CAPTURES / "index.md").read_text(encoding="utf-8")
    listed = re.search(r"^- images publiques remplacées.* : (.+)$", index, re.M)
    assert listed, index
    stood_in = set(re.findall(r"`([^`]+)` \(`lab-standin/", listed[1]))
    notice = sections("###")["Comment les captures ont été faites"]
    named = {name for name in ("hello-world", "alpine", "python:3.12-slim", "postgres:16")
             if f"`{name}`" in notice}  # fmt: skip
    assert named == stood_in, (named, stood_in)


def test_the_output_on_the_page_is_copied_from_the_captures() -> None:
    found = excerpts.blocks(text(), CAPTURES)
    assert len(found) >= 10, len(found)
    assert not excerpts.stale(text(), CAPTURES), "run `invoke report`: it copies them again"
    answered = steps()
    for step in ("2.2", "4.4", "7.4"):  # where the question is about what is shown
        assert "<!-- sortie : " in answered[step], step


def test_a_marker_naming_no_capture_is_one_line(tmp_path: Path) -> None:
    """The captures are written; copying into the report stops at a marker naming none."""
    page = tmp_path / "rapport.md"
    marker = "<!-- sortie : 6-4-docker-compose-down -->"
    page.write_text(f"{marker}\n```console\n```\n", encoding="utf-8")
    with pytest.raises(Exit) as stopped:
        report.run.copy_outputs(page, tmp_path)
    said = str(stopped.value.message)
    assert stopped.value.code == 1 and "\n" not in said, said
    assert "6-4-docker-compose-down" in said and str(page) in said, said


def test_the_committed_captures_show_the_statements_prunes_and_volumes() -> None:
    """The report says the prunes ran as written, and what `down -v` removed."""
    index = (CAPTURES / "index.md").read_text(encoding="utf-8")
    assert "refusé" not in index, "the prunes were replaced: run `invoke report` again"
    for slug in ("7-5-docker-container-prune", "7-5-docker-image-prune"):
        (prune,) = captured(CAPTURES, slug)
        assert typed_line(prune) == slug[4:].replace("-", " ") and "[y/N] y" in prune, prune
    # Part 5's database volume, left by its `down`; at 6.4 this one's too, and `down -v`
    # on the running stack removes this one only.
    (left,) = (volume_names(c) for c in captured(CAPTURES, "5-5-docker-volume-ls"))
    before, after = (volume_names(c) for c in captured(CAPTURES, "6-4-docker-volume-ls"))
    assert len(left) == 1 and len(before) == 2 and left == after < before, (left, before, after)


def image_written(build: str) -> str:
    """The id of the image a build's capture says it wrote."""
    found = re.search(r"writing image sha256:([0-9a-f]{64})", build)
    assert found, build
    return found[1]


def volume_names(capture: str) -> set[str]:
    return set(re.findall(r"^local +([0-9a-f]{64})$", capture, re.M))


# --- the captures, committed or fresh ------------------------------------------------
def captured(folder: Path, slug: str) -> list[str]:
    """The texts of the captures named after slug (the statement's words), in order."""
    paths = sorted(folder.glob(f"[0-9][0-9]-{slug}.txt"))
    assert paths, f"no capture {slug} in {folder}"
    return [path.read_text(encoding="utf-8") for path in paths]


def typed_line(capture: str) -> str:
    """The command typed at the capture's prompt (`$ ` or `api/ $ `)."""
    first = capture.splitlines()[0]
    assert first.startswith(("$ ", "api/ $ ", "# ")), first
    return first.split("$ ", 1)[1] if "$ " in first else first


def check_captures(folder: Path) -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("[0-9][0-9]-*.txt"))}
    assert all((folder / f"{name}.svg").exists() for name in texts)
    index = (folder / "index.md").read_text(encoding="utf-8")
    assert all(f"]({name}.txt)" in index for name in texts)
    assert "moteur Docker :" in index and "terminal :" in index
    # Every command is the statement's own, as typed (the prunes as said).
    written = {c.command for c in statement.COMMANDS if c.kind != "edit"}
    written |= {report.PS_ALL, report.VOLUME_LS, *report.VERSIONS}
    stop = re.compile(r"docker stop [a-z]+_[a-z]+\d*")
    for name, capture in texts.items():
        line = typed_line(capture)
        if capture.startswith("# "):  # an edit: the lines it changes
            assert re.search(r"^\+\+\+ api/app\.py$", capture, re.M), capture
        elif "-7-5-" in name and line in written:
            assert "[y/N] y" in capture and "Total reclaimed space" in capture, capture
        elif "-7-5-" in name:
            assert re.fullmatch(r"docker (rm|image rm)( [0-9a-f]{12})+", line), line
            assert f"`{name[7:].replace('-', ' ')}` refusé" in index, name
        elif name[3:].startswith(report.FURTHER.lower()):
            assert line in {"docker build -t simple-api .", "docker compose up -d",
                            "docker compose ps"}, line  # fmt: skip
        elif "-4-4-docker-stop-" in name:
            assert stop.fullmatch(line), line
        else:
            assert line in written, (name, line)
    (rename,) = captured(folder, "7-4-renommer-app-en-appi-dans-api-app-py")
    assert "+appi = FastAPI()" in rename
    # The first build is a real one: pip runs (seen while it runs, and timed at the end).
    during, built, rebuilt, restored = captured(folder, "3-3-docker-build-t-simple-api")
    pip = r"=> => # .*(Collecting|Downloading|Installing|Successfully installed)"
    assert "[pendant la commande" in during and re.search(pip, during), during
    # Beyond the statement, and said: a comment added to app.py, then removed.
    (edited,) = captured(folder, "3-3-ajouter-un-commentaire-api-app-py")
    (removed,) = captured(folder, "3-3-retirer-le-commentaire-de-api-app-py")
    comment = report.COMMENT.strip()
    assert f"\n+{comment}\n" in edited and f"\n-{comment}\n" in removed, (edited, removed)
    for build in (built, rebuilt):  # after an edit, COPY and every step after it run again
        assert re.search(r"RUN pip install fastapi uvicorn +\d+\.\d+s", build), build
    assert re.search(r"WORKDIR /app +CACHED|CACHED \[2/4\] WORKDIR", rebuilt), rebuilt
    # The comment removed, every step comes from the cache: the first build's image again.
    assert all(f"CACHED [{n}/4]" in restored for n in (2, 3, 4)), restored
    assert image_written(restored) == image_written(built), (built, restored)
    # Typed at the prompts, as a person types them.
    (alpine,) = captured(folder, "2-3-docker-run-it-alpine-sh")
    for line in ("# ls", "# uname -a", "# exit"):
        assert line in alpine, line
    (psql,) = captured(folder, "6-1-docker-compose-exec-db-psql-u-demo-d")
    assert "demo=# SELECT version();" in psql and "demo=# SELECT current_database();" in psql
    assert re.search(r"PostgreSQL \d+", psql) and re.search(r"^ demo$", psql, re.M), psql
    (shell,) = captured(folder, "7-2-docker-compose-exec-api-sh")
    assert "# python --version" in shell and "Python 3." in shell
    # Two terminals in part 4: the server's lines, a request, the stop.
    (server,) = captured(folder, "4-1-docker-run-p-8000-8000-simple-api")
    for said in ("Uvicorn running on", '"GET /health HTTP/1.1" 200', "Finished server process"):
        assert said in server, said
    assert '{"status":"ok"}' in captured(folder, "4-2-curl-http-localhost-8000-health")[0]
    # 7.1: the request's line comes while `logs -f` runs, after curl.
    waiting, logs = captured(folder, "7-1-docker-compose-logs-f-api")
    assert "Uvicorn running on" in waiting and "GET /health" not in waiting, waiting
    assert "[pendant la commande" in waiting
    assert '"GET /health HTTP/1.1" 200' in logs and "^C" in logs
    # The client uvicorn logs is the gateway of the project's network, as the report says.
    client = re.search(r'INFO: +([\d.]+):\d+ - "GET /health', logs)
    gateway = re.search(r"passerelle du réseau `[^`]+` : `([\d.]+)`", index)
    assert client and gateway and client[1] == gateway[1], (logs, index)
    order = [p.name[7:] for p in sorted(folder.glob("[0-9][0-9]-7-1-*.txt"))]
    assert [name.split("-")[0] for name in order] == ["docker", "curl", "docker"], order
    (broken_logs,) = captured(folder, "7-4-docker-compose-logs-f-api")
    assert 'Attribute "app" not found in module "app"' in broken_logs
    # `logs -f` ended by itself when the API stopped, as the report says (no Ctrl-C).
    assert re.search(r"^api-1 exited with code \d+$", broken_logs, re.M), broken_logs
    assert "[exit 0," in broken_logs and "^C" not in broken_logs, broken_logs
    order = [p.name[3:-4] for p in sorted(folder.glob("[0-9][0-9]-7-4-*.txt"))]
    assert order == [f"7-4-{name}" for name in (
        "renommer-app-en-appi-dans-api-app-py", "docker-build-t-simple-api",
        "docker-compose-up-d-build", "docker-compose-logs-f-api", "docker-compose-ps",
        "docker-compose-ps-a", "curl-http-localhost-8000-health", "remettre-app-dans-api-app-py",
        "docker-build-t-simple-api", "docker-compose-up-d-build",
        "curl-http-localhost-8000-health")], order  # fmt: skip
    (ps_running,) = captured(folder, "7-4-docker-compose-ps")
    assert "tp1-report-db-1" in ps_running and "tp1-report-api-1" not in ps_running, ps_running
    refused, answered = captured(folder, "7-4-curl-http-localhost-8000-health")
    assert "[exit 7," in refused and '{"status":"ok"}' in answered, (refused, answered)
    (repair,) = captured(folder, "7-4-remettre-app-dans-api-app-py")
    assert "+app = FastAPI()" in repair and "-appi = FastAPI()" in repair, repair
    # The repair rebuilds simple-api too (in api/, as the break did): the first image again.
    broken_build, repaired_build = captured(folder, "7-4-docker-build-t-simple-api")
    assert typed_line(repaired_build) == statement.BUILD and repaired_build.startswith("api/ $")
    assert image_written(repaired_build) == image_written(built) != image_written(broken_build)
    # 5.5: `down` leaves the database's anonymous volume. 6.4: `down -v` on the running
    # stack removes this database's volume (not part 5's, whose container is gone).
    (left,) = (volume_names(c) for c in captured(folder, "5-5-docker-volume-ls"))
    before, after = (volume_names(c) for c in captured(folder, "6-4-docker-volume-ls"))
    assert left and left == after < before, (left, before, after)
    order = [p.name[3:-4] for p in sorted(folder.glob("[0-9][0-9]-6-4-*.txt"))]
    assert order == ["6-4-docker-volume-ls", "6-4-docker-compose-down-v",
                     "6-4-docker-volume-ls"], order  # fmt: skip
    (down_v,) = captured(folder, "6-4-docker-compose-down-v")
    assert re.search(r"Container tp1-report-db-1 +Removed", down_v), down_v
    # 1.1: the engine and Compose the captures come from.
    (engine,) = captured(folder, "1-1-docker-version")
    (compose,) = captured(folder, "1-1-docker-compose-version")
    assert re.search(r"^Server:", engine, re.M) and "Docker Compose version" in compose
    (ps_all,) = captured(folder, "7-4-docker-compose-ps-a")
    assert re.search(r"tp1-report-api-1 +tp1-report-api .*Exited \(\d+\)", ps_all), ps_all
    # The kit's order: after an edit of app.py, only its own layer is built again.
    (kit_build,) = captured(folder, f"{report.FURTHER.lower()}-1-docker-build-t-simple-api")
    assert re.search(r"CACHED \[runtime \d/\d\] COPY --from=builder /opt/venv", kit_build)
    assert re.search(r"=> \[runtime \d/\d\] COPY app\.py", kit_build), kit_build
    restarting = captured(folder, f"{report.FURTHER.lower()}-2-docker-compose-ps")
    assert "Restarting" in restarting[-1]


def test_the_committed_captures_are_the_statements_commands_as_typed() -> None:
    check_captures(CAPTURES)


@pytest.fixture(scope="module")
def fresh(engine: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("captures")
    public = ("hello-world", "alpine", "python:3.12-slim", "postgres:16", statement.IMAGE)
    before = {name: image_id(name) for name in public}
    result = invoke("report", "--output", str(folder), timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder, before


def image_id(name: str) -> str:
    return docker("image", "inspect", "-f", "{{.Id}}", name, check=False).stdout.strip()


def test_invoke_report_types_the_statement_in_a_terminal(fresh: tuple[Path, dict]) -> None:
    check_captures(fresh[0])


def test_invoke_report_leaves_nothing_behind(fresh: tuple[Path, dict]) -> None:
    folder, before = fresh
    for name, image in before.items():  # no stand-in left under a public name; yours kept
        assert image_id(name) == image, name
    for project in (report.PROJECT, report.KIT_PROJECT):
        label = f"label=com.docker.compose.project={project}"
        assert docker("ps", "-aq", "--filter", label).stdout == "", project
        assert docker("volume", "ls", "-q", "--filter", label).stdout == "", project
        assert not image_id(f"{project}-api"), project
    # The containers of `docker run` that the captures list are gone.
    listed = "\n".join(captured(folder, "4-4-docker-ps-a") + captured(folder, "2-2-docker-ps-a"))
    ours = re.findall(r"^([0-9a-f]{12}) +(?:hello-world|alpine|simple-api) ", listed, re.M)
    assert len(ours) >= 3, listed
    left = [c for c in ours if docker("inspect", c, check=False).returncode == 0]
    assert not left, left
