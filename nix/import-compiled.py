"""Import every compiled module of the environment this Python runs in.

Run by nix/check-flake inside the dev shell: it proves that the locked wheels find
the libraries they need there (libgcc_s, libz) without glibc on LD_LIBRARY_PATH.
Prints how many modules it imported; exits 1 naming the first that fails.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import site
import sys
from pathlib import Path

SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)


def module_name(path: Path, root: Path) -> str | None:
    """The dotted name of an extension module file, or None for a vendored library."""
    relative = path.relative_to(root)
    # Folders such as psycopg_binary.libs hold shared libraries, not modules.
    if any(not part.isidentifier() for part in relative.parts[:-1]):
        return None
    for suffix in SUFFIXES:
        if relative.name.endswith(suffix):
            stem = relative.name[: -len(suffix)]
            return ".".join([*relative.parts[:-1], stem]) if stem.isidentifier() else None
    return None


def main() -> int:
    import psycopg

    if psycopg.pq.__impl__ != "binary":
        print(f"psycopg uses its {psycopg.pq.__impl__} implementation, not binary")
        return 1
    names = sorted(
        {
            name
            for root in map(Path, site.getsitepackages())
            for path in root.rglob("*.so")
            if (name := module_name(path, root))
        }
    )
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            print(f"cannot import {name}: {exc}")
            return 1
    print(f"imported {len(names)} compiled modules with {sys.executable}; psycopg is binary")
    return 0


if __name__ == "__main__":
    sys.exit(main())
