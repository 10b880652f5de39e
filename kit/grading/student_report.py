"""Step 8: the report the consignes ask for, found where students put it and read as
Markdown: a section per part of the statement (1 to 8). Only a regular file of the
repository, under 1 MB, is read: a link that leaves the repository is reported."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from kit.grading import inside
from kit.grading.messages import _
from kit.statement import title

PARTS = range(1, 9)
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8}
# "3. Construire...", "Exercice 3", "Partie III", "Part 3 —", "TP1 — 3)": a part's number
# at the start of a heading, after an optional word that names it.
NUMBERED = re.compile(
    r"^\W*(?:(?:exercice|exercise|partie|part|section|question)s?\s*)?"
    r"(?P<n>[1-8]|VIII|VII|VI|IV|V|III|II|I)\b",
    re.IGNORECASE,
)


def candidates(lab: Path, repo: Path) -> list[Path]:
    """Where students put the report, most likely first (the consignes say
    reports/rapport.md, and also rapport_tp1.md)."""
    found: list[Path] = []
    for base in dict.fromkeys((lab, repo)):
        for pattern in (
            "reports/rapport.md",
            "reports/rapport_tp1.md",
            "reports/rapport*.md",
            "report/*.md",
            "rapports/*.md",
            "reports/*.md",
            "rapport*.md",
            "*/rapport*.md",
            "README.md",
        ):
            # A link is a candidate, judged (not followed) when it is read.
            found += sorted(
                p for p in base.glob(pattern) if (p.is_symlink() or p.is_file()) and p not in found
            )
    return found


def headings(text: str) -> list[str]:
    tokens = MarkdownIt().parse(text)
    return [
        tokens[i + 1].content
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and i + 1 < len(tokens)
    ]


def part_of(title: str) -> int | None:
    """The part of the statement a heading names, if it names one."""
    if match := NUMBERED.match(title.strip()):
        n = match["n"]
        return int(n) if n.isdigit() else ROMAN[n.upper()]
    if "réflexion" in title.lower() or "reflexion" in title.lower():
        return 8
    return None


# A line that is only a part's title, in plain text or bold: a word that names a part
# and its number ("Exercice 3", "**Partie III**"), or a number and the start of the
# statement's own title for that part ("3. Construire une première image").
NAMED_PART = re.compile(
    r"^(?:exercice|exercise|partie|part|section)\s*(?P<n>[1-8]|VIII|VII|VI|IV|V|III|II|I)\b"
    r"\s*(?:[:.)—–-].{0,100})?$",
    re.IGNORECASE,
)
NUMBERED_TITLE = re.compile(r"^(?P<n>[1-8])\s*[.)—–-]\s*(?P<word>\w+)")


def title_lines(text: str) -> set[int]:
    """The parts that a plain-text or bold line titles (code blocks left out)."""
    code = set()
    for token in MarkdownIt().parse(text):
        if token.type in ("fence", "code_block") and token.map:
            code.update(range(*token.map))
    found = set()
    for number, raw in enumerate(text.splitlines()):
        line = raw.strip().strip("*_").strip()
        if number in code or not line or len(line) > 120 or raw.lstrip().startswith("#"):
            continue
        if match := NAMED_PART.match(line):
            n = match["n"]
            found.add(int(n) if n.isdigit() else ROMAN[n.upper()])
        elif (match := NUMBERED_TITLE.match(line)) and len(match["word"]) > 2:
            part = int(match["n"])
            if title(str(part)).lower().split()[0] == match["word"].lower():
                found.add(part)
    return found & set(PARTS)


def parts(text: str) -> tuple[set[int], set[int]]:
    """The parts of the statement that have a heading of their own, and those that have
    only a title in plain text or bold."""
    headed = {part for heading in headings(text) if (part := part_of(heading))} & set(PARTS)
    return headed, title_lines(text) - headed


def check(lab: Path, repo: Path) -> tuple[bool, str]:
    """Whether a report answers every part, and what was found or is missing."""
    best: tuple[set[int], set[int], Path] | None = None
    refused = []
    for path in candidates(lab, repo):
        try:
            text = inside.read_text(path, repo)
        except inside.Refused as why:
            said = _("{path}: {why}, not read")
            refused.append(said.format(path=path.relative_to(repo).as_posix(), why=why))
            continue
        headed, plain = parts(text)
        if best is None or len(headed | plain) > len(best[0] | best[1]):
            best = (headed, plain, path)
        if len(headed | plain) == len(PARTS):
            break
    if best is None:
        return False, "; ".join(
            [
                *refused,
                _(
                    "no report: the consignes ask for reports/rapport.md (Markdown), "
                    "with a section per part"
                ),
            ]
        )
    headed, plain, path = best
    shown = path.relative_to(repo).as_posix()
    if missing := sorted(set(PARTS) - headed - plain):
        said = _(
            "{path} has no section for part(s) {parts}: give each part of the statement its "
            "heading (e.g. `## 3. Construire une première image`)"
        )
        detail = said.format(path=shown, parts=", ".join(map(str, missing)))
        return False, detail + "".join(f"; {why}" for why in refused)
    if plain:
        said = _(
            "{path}: a section for each part 1-8 (parts {parts} titled in plain text: "
            "Markdown headings, `## 3. ...`, render better on GitHub)"
        )
        return True, said.format(path=shown, parts=", ".join(map(str, sorted(plain))))
    return True, _("{path}: a section for each part 1-8").format(path=shown)
