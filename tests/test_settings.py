"""Settings come from the environment first, then from .env, then the lab's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from invoke import Exit

from kit.settings import DEFAULT_IMAGES, ROOT, load

NAMES = [
    "API_PORT",
    "DB_PORT",
    "API_IMAGE",
    "POSTGRES_USER",
    "POSTGRES_DB",
    "PYTHON_IMAGE",
    "UV_IMAGE",
]


@pytest.fixture
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    return tmp_path / ".env"


def test_lab_defaults_without_env_or_dotenv(env_file: Path) -> None:
    settings = load(env_file)
    assert (settings.api_port, settings.db_port, settings.api_image) == (8000, 5432, "simple-api")
    assert (settings.postgres_user, settings.postgres_db) == ("demo", "demo")
    assert settings.build_args == {}
    assert (settings.build_arg_words, settings.python_image) == ([], "python:3.12-slim")
    assert settings.run_container == "simple-api"


def test_dotenv_is_read(env_file: Path) -> None:
    env_file.write_text(
        "API_PORT=8100\nDB_PORT=5500\nPYTHON_IMAGE=python:3.12-slim\n", encoding="utf-8"
    )
    settings = load(env_file)
    assert (settings.api_port, settings.db_port) == (8100, 5500)
    assert settings.build_args == {"PYTHON_IMAGE": "python:3.12-slim"}
    assert settings.build_arg_words == ["--build-arg", "PYTHON_IMAGE=python:3.12-slim"]


def test_environment_wins_over_dotenv(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file.write_text("API_PORT=8100\nAPI_IMAGE=from-dotenv\n", encoding="utf-8")
    monkeypatch.setenv("API_PORT", "8200")
    monkeypatch.setenv("API_IMAGE", "simple-api:report")
    settings = load(env_file)
    assert settings.api_port == 8200
    assert settings.run_container == "simple-api-report"


def test_a_bad_port_in_dotenv_is_one_clear_exit(env_file: Path) -> None:
    env_file.write_text("DB_PORT=five\n", encoding="utf-8")
    with pytest.raises(Exit) as raised:
        load(env_file)
    assert raised.value.code == 2
    assert "DB_PORT must be a TCP port number (1-65535), not 'five'" in raised.value.message


def test_each_base_image_is_written_once_and_its_copies_agree() -> None:
    """The defaults live in api/Dockerfile and docker-compose.yml; the copies that a file
    format forces elsewhere (.env.example, the uv version of CI and the workflow) agree."""
    assert set(DEFAULT_IMAGES) == {"PYTHON_IMAGE", "UV_IMAGE", "POSTGRES_IMAGE"}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name, image in DEFAULT_IMAGES.items():
        assert f"# {name}={image}\n" in example
    uv_version = DEFAULT_IMAGES["UV_IMAGE"].rsplit(":", 1)[1]
    assert f"UV_VERSION={uv_version}\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert f'version: "{uv_version}"' in workflow


def test_a_dotenv_that_is_not_utf8_is_one_clear_exit(env_file: Path) -> None:
    env_file.write_text("API_PORT=8100\n", encoding="utf-16")  # PowerShell 5.1's `echo > .env`
    with pytest.raises(Exit) as raised:
        load(env_file)
    assert raised.value.code == 2
    assert ".env is not UTF-8 text" in raised.value.message


def test_the_kit_never_relies_on_the_platforms_default_encoding() -> None:
    """Windows' default is cp1252: every text read, write and pipe of tasks.py, kit/ and
    api/ names its encoding (or is binary)."""
    import ast

    offenders = []
    for path in [ROOT / "tasks.py", *(ROOT / "kit").glob("*.py"), *(ROOT / "api").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            keywords = {k.arg: k.value for k in node.keywords}
            text_mode = isinstance(keywords.get("text"), ast.Constant) and keywords["text"].value
            textual = name in ("read_text", "write_text") or (
                name in ("run", "Popen") and text_mode
            )
            if name == "open" and isinstance(node.func, ast.Name):
                mode = node.args[1].value if len(node.args) > 1 else keywords.get("mode")
                textual = "b" not in (mode if isinstance(mode, str) else "r")
            if textual and "encoding" not in keywords:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not offenders, offenders
