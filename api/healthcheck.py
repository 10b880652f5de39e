"""Container healthcheck with Python's standard library (slim images have no curl).

Usage: ``python healthcheck.py [PATH]`` (default ``/health``). Prints the answer's
body, so that ``docker inspect`` shows why a check failed, and exits 0 on HTTP 200.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def main(path: str = "/health") -> int:
    url = f"http://127.0.0.1:8000{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 (fixed http URL)
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{exc.code} {exc.read().decode()}")
    except OSError as exc:
        print(f"{url}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
