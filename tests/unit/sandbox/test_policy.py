"""The pieces of a sandbox's policy: passed variables, the child's environment, readable paths, the spec."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aiflow.config import ServerConfig
from aiflow.sandbox.landlock import handled_fs
from aiflow.sandbox.launch import child_environment
from aiflow.sandbox.paths import package_folders, package_root, read_only_paths
from aiflow.sandbox.policy import SandboxPolicy, passed_environment, policy_from_config
from aiflow.sandbox.privileges import Limits
from aiflow.sandbox.spec import LaunchSpec

SERVER = {"FLINK_HOME": "/opt/flink", "AIFLOW_WORKER_TOKEN": "t", "NOTIFICATION_SERVER_URI": "redis://:p@h/0",
          "DATABASE_URL": "postgresql://u:p@h/db"}


def test_only_named_variables_are_passed_and_never_aiflow_or_notification_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    passed = passed_environment("FLINK_HOME, SPARK_HOME aiflow_worker_token,NOTIFICATION_SERVER_URI", SERVER)

    assert passed == (("FLINK_HOME", "/opt/flink"),)
    assert "never passing aiflow_worker_token, NOTIFICATION_SERVER_URI" in caplog.text


def test_the_server_configuration_sets_user_memory_and_variables() -> None:
    assert policy_from_config(ServerConfig(), SERVER) == SandboxPolicy(environment=(("FLINK_HOME", "/opt/flink"),))
    custom = ServerConfig(sandbox_user="", sandbox_memory_limit=0, sandbox_environment="DATABASE_URL")
    assert policy_from_config(custom, SERVER) == SandboxPolicy(
        user=None, memory_bytes=None, environment=(("DATABASE_URL", "postgresql://u:p@h/db"),)
    )


def test_the_child_environment_is_built_from_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AIFLOW_WORKER_TOKEN", "secret")

    environment = child_environment(tmp_path, SandboxPolicy(environment=(("FLINK_HOME", "/opt/flink"),)))

    assert environment == {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8", "HOME": str(tmp_path), "TMPDIR": str(tmp_path), "FLINK_HOME": "/opt/flink",
    }


def test_readable_paths_hold_the_packages_but_not_the_folder_around_them() -> None:
    readable = read_only_paths([])

    assert set(package_folders()) == {"aiflow", "ai_flow", "notification", "notification_service"}
    assert set(package_folders().values()) <= set(readable)
    assert package_root() not in readable
    assert sys.base_prefix in readable and "/usr" in readable
    assert not any(path in ("/", "/etc", "/proc", "/root", "/home", "/tmp") for path in readable)


def test_a_path_holding_aiflow_home_is_not_readable(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AIFLOW_HOME", str(Path(sys.prefix) / "home-in-the-venv"))

    readable = read_only_paths([Path("/opt/given")])

    assert sys.prefix not in readable
    assert "/opt/given" in readable  # the caller's own paths are granted as given
    assert f"{sys.prefix} is not readable by sandboxed processes: it holds AIFLOW_HOME" in caplog.text


def test_landlock_handles_every_right_of_each_abi() -> None:
    assert [handled_fs(abi) for abi in (1, 2, 3, 4, 5, 7)] == [
        (1 << 13) - 1, (1 << 14) - 1, (1 << 15) - 1, (1 << 15) - 1, (1 << 16) - 1, (1 << 16) - 1,
    ]


def test_a_spec_survives_its_json_form() -> None:
    spec = LaunchSpec(
        parent_pid=1, executable="/usr/bin/python3", boot="/b/boot.py", packages={"aiflow": "/p/aiflow"},
        python_path=["/q"], module="m", args=["a", "b"], workdir="/w", environment={"HOME": "/w"},
        limits=Limits(1, 2, 3, None), identity=(65534, 65534), landlock_abi=7, read_only=["/usr"],
        writable=["/w"], devices=["/dev/null"],
    )

    assert LaunchSpec.from_json(spec.to_json()) == spec
    assert spec.child_argv()[:4] == ["/usr/bin/python3", "-I", "-B", "/b/boot.py"]
    assert spec.child_argv()[5:] == ["m", "a", "b"]

