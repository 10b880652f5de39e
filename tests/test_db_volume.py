"""A database volume made by an earlier kit, whose PostgreSQL started as root and then
dropped to uid 999, still works now that the db runs as that user from the start."""

from __future__ import annotations

import os

from helpers import Kit, docker, unique_name, wait_until

POSTGRES_IMAGE = os.environ.get("POSTGRES_IMAGE", "postgres:16")


def test_a_volume_initialised_as_root_still_works(kit: Kit) -> None:
    volume = f"{kit.project}_db-data"
    # As Compose labels the volumes it makes, so that `up` adopts this one silently.
    labels = [f"com.docker.compose.project={kit.project}", "com.docker.compose.volume=db-data"]
    docker("volume", "create", *(w for label in labels for w in ("--label", label)), volume)
    old = unique_name("tp1test-old-db")
    credentials = [f"POSTGRES_{name}=demo" for name in ("USER", "PASSWORD", "DB")]
    docker(
        "run", "-d", "--name", old, "-v", f"{volume}:/var/lib/postgresql/data",
        *(w for pair in credentials for w in ("-e", pair)), POSTGRES_IMAGE,
    )  # fmt: skip
    try:
        sql = "CREATE TABLE old_kit (note text); INSERT INTO old_kit VALUES ('from root');"
        wait_until(
            lambda: (
                docker(
                    "exec", old, "psql", "-U", "demo", "-d", "demo", "-c", sql, check=False
                ).returncode
                == 0
            ),
            timeout=60,
            what="the root-started PostgreSQL to take a table",
            on_timeout=lambda: docker("logs", old, check=False).stderr,
        )
    finally:
        docker("rm", "-f", old, check=False)
    kit.ok("up")
    assert "from root" in kit.ok("psql", "--command", "SELECT note FROM old_kit;")
    ids = kit.compose("exec", "-T", "db", "sh", "-c", "id -u; stat -c %u $PGDATA").stdout
    uid, data_owner = ids.split()
    assert uid == data_owner != "0", ids
