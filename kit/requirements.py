"""api/requirements.txt: what the image installs, exported from the top-level uv.lock.

`api/` is the image's whole build context, as in the lab's layout, and the lock lives
at the top level: the image installs this hash-pinned export of the lock's runtime
dependencies. `invoke requirements` writes it; `invoke lint` fails when it drifts.
"""

from __future__ import annotations

import difflib
import subprocess
import sys

from kit.settings import ROOT

PATH = "api/requirements.txt"
# The lock's runtime dependencies, with their hashes and markers; no dev tools.
EXPORT = [
    "uv",
    "export",
    "--locked",
    "--no-dev",
    "--no-emit-project",
    "--format",
    "requirements-txt",
]


def exported() -> str:
    """The export of the lock as it is now, under a header that says where it comes from."""
    result = subprocess.run(
        [*EXPORT, "--no-header", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"uv export failed: {result.stderr.strip()}")
    return (
        "# What the image installs: the runtime dependencies of ../uv.lock, with their hashes.\n"
        f"# Written by `uv run invoke requirements` ({' '.join(EXPORT)}); do not edit.\n"
        + result.stdout
    )


def main(argv: list[str]) -> int:
    wanted = exported()
    path = ROOT / PATH
    if "--check" not in argv:
        path.write_text(wanted, encoding="utf-8", newline="\n")
        print(f"wrote {PATH} from uv.lock")
        return 0
    found = path.read_text(encoding="utf-8") if path.exists() else ""
    if found == wanted:
        print(f"{PATH} matches uv.lock")
        return 0
    diff = difflib.unified_diff(
        found.splitlines(), wanted.splitlines(), PATH, "uv export", lineterm="", n=1
    )
    print("\n".join(list(diff)[:40]))
    print(f"{PATH} does not match uv.lock: run `uv run invoke requirements` and commit it.")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
