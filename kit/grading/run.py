"""`invoke grade`, one repository or a class: what the task calls, and its exit codes.

0: every check passed (a class: its table was written, each row saying how its
repository fared); 1: some check failed; 2: nothing could be graded (cli.py: an option's
value, no engine); 3: refused as unsafe (nothing was run); 4: no check failed, but some
could not be checked here (never a full pass).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kit.grading import checks, safety, source, summary
from kit.grading.messages import _
from kit.grading.verdict import unchecked

FAILED, UNUSABLE, UNSAFE, UNCHECKED = 1, 2, 3, 4


def one(
    origin: str,
    ref: str | None = None,
    before: str | None = None,
    root: str | None = None,
    say: Callable[[str], None] = print,
) -> tuple[int, dict[str, Any]]:
    """Grade one repository: its exit code, and its JSON (with "error" when not graded)."""
    with tempfile.TemporaryDirectory(prefix="tp1-grade-") as scratch:
        try:
            found = source.fetch(origin, Path(scratch), ref=ref, before=before, root=root)
        except source.Unusable as error:
            return UNUSABLE, {"repo": origin, "error": str(error), "checks": []}
        where = _("{root} of ").format(root=found.root_in_repo) if found.root_in_repo != "." else ""
        at = _(" at {commit}").format(commit=found.commit[:12]) if found.commit else ""
        changes = _(" (with changes not committed)") if found.changes else ""
        say(
            _("Grading {where}{origin}{at}{changes}").format(
                where=where, origin=origin, at=at, changes=changes
            )
        )
        fetched = {"fetched": found.fetched} if found.fetched else {}
        try:
            grade = checks.grade(found, say)
        except safety.Unsafe as unsafe:
            result = {"repo": origin, "commit": found.commit, **fetched, "checks": []}
            refused = {"error": _("refused as unsafe"), "unsafe": unsafe.offences}
            return UNSAFE, result | refused | {"project": unsafe.project}
    outcome = grade.as_json() | fetched
    return code(outcome), outcome


def code(result: dict[str, Any]) -> int:
    """The exit code of a grading's JSON."""
    if result["passed"] < result["total"]:
        return FAILED
    return UNCHECKED if unchecked(result) else 0


def write(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def entries(class_list: Path) -> list[str]:
    """The repositories of a class list: one path, URL or JSON result per line, a
    repository maybe followed by its own ref (`URL REF`); blank lines and # comments
    skipped; a folder of JSON results counts as all of them."""
    lines = class_list.read_text(encoding="utf-8").splitlines()
    found = []
    for line in (ln.strip() for ln in lines):
        if not line or line.startswith("#"):
            continue
        folder = (class_list.parent / line).expanduser()
        if folder.is_dir() and results_only(folder):
            found += [str(p) for p in sorted(folder.glob("*.json"))]
        else:
            found.append(line)
    return found


def results_only(folder: Path) -> bool:
    """A folder of JSON results (downloaded artifacts), not a repository."""
    shown = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return bool(shown) and all(p.is_file() and p.suffix == ".json" for p in shown)


def own_ref(entry: str, base: Path) -> tuple[str, str | None]:
    """A line's repository, and the ref it carries (`URL REF`), if any."""
    words = entry.rsplit(None, 1)
    if len(words) == 2 and not (base / entry).expanduser().exists():
        return words[0], words[1]
    return entry, None


def result_of(
    entry: str,
    base: Path,
    jobs_say: Callable[[str], None],
    ref: str | None = None,
    before: str | None = None,
) -> dict[str, Any]:
    """A JSON result already made (by the workflow of a student's repository), else a
    grading now: at the line's own ref if it carries one, else at the class's."""
    entry, own = own_ref(entry, base)
    path = (base / entry).expanduser()
    if entry.endswith(".json") and path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    origin = str(path) if path.exists() else entry
    if own:
        ref, before = own, None
    return one(origin, ref=ref, before=before, say=jobs_say)[1]


def klass(
    class_list: Path,
    summary_path: Path,
    json_dir: Path | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] = print,
    ref: str | None = None,
    before: str | None = None,
) -> list[dict[str, Any]]:
    """Grade every repository of the list (jobs at once), all at one state (ref, or the
    last commit before a deadline) unless a line carries its own ref; write the summary."""
    repos = entries(class_list)
    results: list[dict[str, Any]] = [{}] * len(repos)

    def graded(index: int) -> None:
        found = result_of(repos[index], class_list.parent, lambda line: None, ref, before)
        results[index] = found
        done = sum(bool(r) for r in results)
        said = results[index].get("error") or summary.score(results[index])
        progress(f"[{done}/{len(repos)}] {repos[index]}: {said}")
        if json_dir is not None:
            write(results[index], json_dir / f"{index + 1:03d}-{summary.slug(repos[index])}.json")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(graded, range(len(repos))))
    summary.write(results, summary_path)
    return results
