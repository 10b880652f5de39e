"""Security settings of the running stack, checked on the containers themselves."""

from __future__ import annotations

import json

from helpers import Kit, docker


def inspect(stack: Kit, service: str) -> dict:
    return json.loads(docker("inspect", f"{stack.project}-{service}-1").stdout)[0]


def in_api(stack: Kit, script: str) -> str:
    return stack.compose("exec", "-T", "api", "sh", "-c", script).stdout


def test_api_runs_as_a_non_root_user(stack: Kit) -> None:
    assert in_api(stack, "id -u; id -g").split() == ["10001", "10001"]


def test_api_root_filesystem_is_read_only(stack: Kit) -> None:
    assert inspect(stack, "api")["HostConfig"]["ReadonlyRootfs"] is True
    out = in_api(stack, "touch /app/x /opt/venv/x 2>&1; touch /tmp/ok && echo tmp-writable")
    assert out.count("Read-only file system") == 2
    assert "tmp-writable" in out


def test_api_has_no_capabilities_and_cannot_gain_privileges(stack: Kit) -> None:
    host_config = inspect(stack, "api")["HostConfig"]
    assert [cap.removeprefix("CAP_") for cap in host_config["CapDrop"]] == ["ALL"]
    assert "no-new-privileges:true" in host_config["SecurityOpt"]
    status = in_api(stack, "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status")
    assert "CapEff:\t0000000000000000" in status
    assert "CapBnd:\t0000000000000000" in status
    assert "NoNewPrivs:\t1" in status


def test_db_keeps_only_the_capabilities_its_entrypoint_needs(stack: Kit) -> None:
    host_config = inspect(stack, "db")["HostConfig"]
    assert [cap.removeprefix("CAP_") for cap in host_config["CapDrop"]] == ["ALL"]
    added = sorted(cap.removeprefix("CAP_") for cap in host_config["CapAdd"])
    assert added == ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"]
    assert "no-new-privileges:true" in host_config["SecurityOpt"]


def test_published_ports_are_on_loopback_only(stack: Kit) -> None:
    for service in ("api", "db"):
        bindings = inspect(stack, service)["HostConfig"]["PortBindings"]
        assert bindings and all(b["HostIp"] == "127.0.0.1" for v in bindings.values() for b in v)


def test_no_password_in_the_api_image_config_or_history(stack: Kit) -> None:
    image = inspect(stack, "api")["Image"]
    config = docker("image", "inspect", image).stdout
    history = docker("history", "--no-trunc", image).stdout
    for text in (config, history):
        assert "PASSWORD" not in text.upper()
        assert "demo:demo" not in text
