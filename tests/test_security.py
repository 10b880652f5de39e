"""Security of the running stack, checked on the containers themselves: every automated
check of the CIS Docker Benchmark 1.6, sections 4 (images) and 5 (container runtime),
that the kit controls, one test each, named after the check's number. The checks that
depend on the host (AppArmor, SELinux, content trust) are listed in docs/security.md."""

from __future__ import annotations

import json
import re

import pytest
from helpers import ROOT, Kit, docker, wait_until

SERVICES = ["api", "db"]
service = pytest.mark.parametrize("name", SERVICES)


def inspect(stack: Kit, name: str) -> dict:
    return json.loads(docker("inspect", f"{stack.project}-{name}-1").stdout)[0]


def host(stack: Kit, name: str) -> dict:
    return inspect(stack, name)["HostConfig"]


def in_container(stack: Kit, name: str, script: str) -> str:
    return stack.compose("exec", "-T", name, "sh", "-c", script).stdout


@service
def test_cis_4_1_runs_as_a_non_root_user(stack: Kit, name: str) -> None:
    assert inspect(stack, name)["Config"]["User"] not in ("", "root", "0", "0:0")
    uid, gid = in_container(stack, name, "id -u; id -g").split()
    assert uid != "0" and gid != "0"
    # The main process too, not only what `exec` starts.
    status = in_container(stack, name, "grep -E '^Uid:' /proc/1/status")
    assert re.match(r"Uid:\s+[1-9]", status), status


def test_cis_4_9_the_dockerfile_copies_never_adds() -> None:
    dockerfile = (ROOT / "api" / "Dockerfile").read_text(encoding="utf-8")
    assert not re.search(r"^ADD\s", dockerfile, re.MULTILINE)


def test_cis_4_10_no_secret_in_the_api_image_config_or_history(stack: Kit) -> None:
    image = inspect(stack, "api")["Image"]
    config = docker("image", "inspect", image).stdout
    history = docker("history", "--no-trunc", image).stdout
    for text in (config, history):
        assert "PASSWORD" not in text.upper()
        assert "demo:demo" not in text


@service
def test_cis_5_4_no_linux_capability(stack: Kit, name: str) -> None:
    config = host(stack, name)
    assert [cap.removeprefix("CAP_") for cap in config["CapDrop"]] == ["ALL"]
    assert not config["CapAdd"]
    status = in_container(stack, name, "grep -E '^(CapEff|CapBnd):' /proc/1/status")
    assert "CapEff:\t0000000000000000" in status
    assert "CapBnd:\t0000000000000000" in status


@service
def test_cis_5_5_not_privileged(stack: Kit, name: str) -> None:
    assert host(stack, name)["Privileged"] is False


@service
def test_cis_5_6_no_host_directory_mounted(stack: Kit, name: str) -> None:
    mounts = inspect(stack, name)["Mounts"]
    assert all(mount["Type"] in ("volume", "tmpfs") for mount in mounts), mounts


@service
def test_cis_5_8_no_privileged_port_on_the_host(stack: Kit, name: str) -> None:
    bindings = host(stack, name)["PortBindings"]
    assert all(int(b["HostPort"]) >= 1024 for v in bindings.values() for b in v), bindings


@service
def test_cis_5_10_host_network_not_shared(stack: Kit, name: str) -> None:
    assert host(stack, name)["NetworkMode"] != "host"


@service
def test_cis_5_11_memory_limited(stack: Kit, name: str) -> None:
    assert host(stack, name)["Memory"] > 0


@service
def test_cis_5_12_cpu_limited(stack: Kit, name: str) -> None:
    config = host(stack, name)
    assert config["NanoCpus"] > 0 or config["CpuShares"] > 0


@service
def test_cis_5_13_root_filesystem_read_only(stack: Kit, name: str) -> None:
    assert host(stack, name)["ReadonlyRootfs"] is True
    out = in_container(stack, name, "touch /etc/x 2>&1; touch /tmp/ok && echo tmp-writable")
    assert "Read-only file system" in out
    assert "tmp-writable" in out


def test_cis_5_13_the_api_cannot_change_its_own_code(stack: Kit) -> None:
    out = in_container(stack, "api", "touch /app/x /opt/venv/x 2>&1; true")
    assert out.count("Read-only file system") == 2


@service
def test_cis_5_14_ports_bound_to_one_interface(stack: Kit, name: str) -> None:
    bindings = host(stack, name)["PortBindings"]
    assert bindings and all(b["HostIp"] == "127.0.0.1" for v in bindings.values() for b in v)


@service
def test_cis_5_15_restart_policy_on_failure_at_most_5(stack: Kit, name: str) -> None:
    policy = host(stack, name)["RestartPolicy"]
    assert policy["Name"] in ("", "no") or (
        policy["Name"] == "on-failure" and 0 < policy["MaximumRetryCount"] <= 5
    ), policy


@service
def test_cis_5_16_host_pid_namespace_not_shared(stack: Kit, name: str) -> None:
    assert host(stack, name)["PidMode"] != "host"


@service
def test_cis_5_17_host_ipc_namespace_not_shared(stack: Kit, name: str) -> None:
    assert host(stack, name)["IpcMode"] != "host"


@service
def test_cis_5_18_no_host_device(stack: Kit, name: str) -> None:
    assert not host(stack, name)["Devices"]


@service
def test_cis_5_20_mount_propagation_not_shared(stack: Kit, name: str) -> None:
    for mount in inspect(stack, name)["Mounts"]:
        assert mount.get("Propagation", "") not in ("shared", "rshared"), mount


@service
def test_cis_5_21_host_uts_namespace_not_shared(stack: Kit, name: str) -> None:
    assert host(stack, name)["UTSMode"] != "host"


@service
def test_cis_5_22_default_seccomp_profile_kept(stack: Kit, name: str) -> None:
    options = host(stack, name)["SecurityOpt"] or []
    assert not [o for o in options if o.replace("=", ":") == "seccomp:unconfined"], options
    status = in_container(stack, name, "grep -E '^Seccomp:' /proc/1/status")
    assert "Seccomp:\t2" in status  # 2: a filter is on


@service
def test_cis_5_26_cannot_gain_privileges(stack: Kit, name: str) -> None:
    assert "no-new-privileges:true" in host(stack, name)["SecurityOpt"]
    assert "NoNewPrivs:\t1" in in_container(stack, name, "grep NoNewPrivs /proc/1/status")


@service
def test_cis_5_27_health_checked_at_runtime(stack: Kit, name: str) -> None:
    assert inspect(stack, name)["Config"]["Healthcheck"]["Test"][0] in ("CMD", "CMD-SHELL")
    # Probes run every 30 s: the first verdict comes within that.
    wait_until(
        lambda: inspect(stack, name)["State"]["Health"]["Status"] == "healthy",
        timeout=40,
        what=f"{name}'s healthcheck to say healthy",
        on_timeout=stack.compose_logs,
    )


@service
def test_cis_5_29_pids_limited(stack: Kit, name: str) -> None:
    assert (host(stack, name)["PidsLimit"] or 0) > 0
    # cgroup v2, else v1: the limit the kernel applies, seen from inside.
    script = "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max"
    limit = in_container(stack, name, script)
    assert re.search(r"^\d+$", limit, re.MULTILINE), limit


@service
def test_cis_5_30_default_bridge_not_used(stack: Kit, name: str) -> None:
    assert host(stack, name)["NetworkMode"] not in ("default", "bridge")


@service
def test_cis_5_31_host_user_namespace_not_shared(stack: Kit, name: str) -> None:
    assert host(stack, name)["UsernsMode"] != "host"


@service
def test_cis_5_32_docker_socket_not_mounted(stack: Kit, name: str) -> None:
    mounts = json.dumps(inspect(stack, name)["Mounts"])
    assert "docker.sock" not in mounts
