"""What a sandboxed child sees and may do: environment, folder, limits, privileges, files, network, signals."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiflow.sandbox.identity import sandbox_identity
from aiflow.sandbox.policy import SandboxPolicy
from aiflow.sandbox.run import run_sandboxed
from tests.integration.sandbox.conftest import PROBES

SECRET = "s3cr3t-token-value"
REPORT_LIMITS = dict(timeout=30, max_stdout=1 << 20, max_stderr=1 << 16)


@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A server configuration file holding a token in AIFLOW_HOME, and secrets in the environment."""
    home = Path(os.environ["AIFLOW_HOME"])
    home.mkdir(parents=True)
    config = home / "aiflow_server.yaml"
    config.write_text(f"worker_token: {SECRET}\n")
    config.chmod(0o600)
    monkeypatch.setenv("AIFLOW_WORKER_TOKEN", SECRET)
    monkeypatch.setenv("NOTIFICATION_SERVER_URI", f"redis://:{SECRET}@127.0.0.1:1/0")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://aiflow:{SECRET}@db/aiflow")
    return config


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port of this process that accepts connections."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def report(policy: SandboxPolicy, secret_file: Path, port: int, outside: Path) -> dict:
    result = run_sandboxed("probe_report", [str(secret_file), str(port), str(os.getpid()), str(outside)], policy,
                           **REPORT_LIMITS)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def seen(probe_policy: SandboxPolicy, secrets: Path, listener: int, tmp_path: Path) -> dict:
    """The probe's report from inside the default sandbox."""
    outside = tmp_path / "outside"
    outside.mkdir()
    return report(probe_policy, secrets, listener, outside)


def test_the_environment_holds_only_what_python_needs(seen: dict, tmp_path: Path) -> None:
    environment = seen["environment"]

    assert set(environment) == {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR"}
    assert SECRET not in json.dumps(environment)
    assert environment["HOME"] == environment["TMPDIR"] == seen["cwd"]
    assert Path(seen["cwd"]).name.startswith("aiflow-sandbox-")
    assert not Path(seen["cwd"]).exists()  # a fresh folder per sandbox, removed afterwards


def test_variables_named_by_the_policy_are_passed(probe_policy: SandboxPolicy, secrets: Path, listener: int,
                                                  tmp_path: Path) -> None:
    policy = SandboxPolicy(python_path=probe_policy.python_path, environment=(("FLINK_HOME", "/opt/flink"),))

    assert report(policy, secrets, listener, tmp_path)["environment"]["FLINK_HOME"] == "/opt/flink"


def test_resource_limits_are_set(probe_policy: SandboxPolicy, secrets: Path, listener: int, tmp_path: Path) -> None:
    policy = SandboxPolicy(cpu_seconds=7, memory_bytes=3 << 30, file_bytes=5 << 20, open_files=99,
                           python_path=probe_policy.python_path)

    limits = report(policy, secrets, listener, tmp_path)["limits"]

    assert limits == {"RLIMIT_CPU": [7, 8], "RLIMIT_AS": [3 << 30, 3 << 30], "RLIMIT_FSIZE": [5 << 20, 5 << 20],
                      "RLIMIT_NOFILE": [99, 99], "RLIMIT_CORE": [0, 0]}


def test_no_privilege_is_left(seen: dict) -> None:
    assert seen["no_new_privs"] == 1
    assert seen["capabilities"] == {"effective": 0, "permitted": 0, "bounding": []}


def test_landlock_confines_files_network_and_signals(seen: dict) -> None:
    assert seen["read_secret"] == "Permission denied"
    assert seen["read_own_package"] == "ok"
    assert seen["write_cwd"] == "ok"
    assert seen["write_outside"] == "Permission denied"
    assert seen["connect"] == "Permission denied"
    assert seen["signal"] == "Operation not permitted"


def test_a_root_caller_runs_the_child_as_the_sandbox_user(seen: dict) -> None:
    identity = sandbox_identity("nobody")
    if identity is None:
        pytest.skip("not root, or user nobody cannot run this interpreter (Python under /root, say)")

    assert seen["uid"] == identity[0]
    assert (seen["read_secret"], seen["write_cwd"]) == ("Permission denied", "ok")


def test_outside_the_sandbox_the_probe_could_do_all_that(secrets: Path, listener: int, tmp_path: Path) -> None:
    """The control: the same probe run as a plain child reads the secret, writes anywhere, connects and signals."""
    outside = tmp_path / "outside"
    outside.mkdir()
    plain = subprocess.run([sys.executable, str(PROBES / "probe_report.py"), str(secrets), str(listener),
                            str(os.getpid()), str(outside)], capture_output=True, check=True, cwd=tmp_path)
    seen = json.loads(plain.stdout)

    assert (seen["read_secret"], seen["connect"], seen["signal"], seen["write_outside"]) == ("ok",) * 4
    assert SECRET in json.dumps(seen["environment"])
