"""Step 8: the report the consignes ask for, found where students put it and read as
Markdown: a section per part of the statement (1 to 8). Only a regular file of the
repository, under 1 MB, is read: a link that leaves the repository is reported."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from kit.grading import inside

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


def parts(text: str) -> set[int]:
    """The parts of the statement that have a heading of their own."""
    found = set()
    for heading in headings(text):
        if match := NUMBERED.match(heading.strip()):
            n = match["n"]
            found.add(int(n) if n.isdigit() else ROMAN[n.upper()])
        elif "réflexion" in heading.lower() or "reflexion" in heading.lower():
            found.add(8)
    return found & set(PARTS)


def check(lab: Path, repo: Path) -> tuple[bool, str]:
    """Whether a report answers every part, and what was found or is missing."""
    best: tuple[set[int], Path] | None = None
    refused = []
    for path in candidates(lab, repo):
        try:
            text = inside.read_text(path, repo)
        except inside.Refused as why:
            refused.append(f"{path.relative_to(repo).as_posix()}: {why}, not read")
            continue
        found = parts(text)
        if best is None or len(found) > len(best[0]):
            best = (found, path)
        if len(found) == len(PARTS):
            return True, f"{path.relative_to(repo).as_posix()}: a section for each part 1-8"
    if best is None:
        return False, "; ".join(
            [*refused, "no report: the consignes ask for reports/rapport.md (Markdown), "]
        ) + "with a section per part"
    found, path = best
    missing = sorted(set(PARTS) - found)
    return False, (
        f"{path.relative_to(repo).as_posix()} has no heading for part(s) "
        f"{', '.join(map(str, missing))}: give each part of the statement its section "
        "(e.g. `## 3. Construire une première image`)" + "".join(f"; {why}" for why in refused)
    )
