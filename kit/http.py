"""A GET with Python's standard library, for the tasks that check the API answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    """Status and body of GET url; raises OSError when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http only)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def pretty(body: str) -> str:
    """The body as indented JSON when it is JSON, else as it is."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body
