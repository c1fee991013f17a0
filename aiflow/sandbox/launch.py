"""Starting the reaper of a sandboxed child: its spec, its clean environment, its working folder.

The reaper runs this interpreter in isolated mode from ``/`` (so nothing in
the child's working folder can shadow AIFlow's modules) with nothing in its
environment but the spec and a minimal ``PATH`` and locale.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import aiflow.sandbox.boot
from aiflow.sandbox import paths
from aiflow.sandbox.identity import landlock_abi, sandbox_identity
from aiflow.sandbox.policy import SandboxPolicy
from aiflow.sandbox.privileges import Limits
from aiflow.sandbox.spec import SPEC_VARIABLE, LaunchSpec

_REAPER = "import sys; sys.path.insert(0, sys.argv[1]); from aiflow.sandbox.reaper import main; main()"
_LOCALE = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
_PATH = "/usr/local/bin:/usr/bin:/bin"


def start_reaper(
    module: str, args: Sequence[str], policy: SandboxPolicy, workdir: Path
) -> subprocess.Popen[bytes]:
    """Start the reaper of ``module`` in ``workdir``, with pipes for the child's stdin, stdout and stderr."""
    spec = build_spec(module, args, policy, workdir)
    environment = {SPEC_VARIABLE: spec.to_json(), "PATH": _PATH, **_LOCALE}
    return subprocess.Popen(
        [sys.executable, "-I", "-B", "-c", _REAPER, paths.package_root()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd="/", env=environment, close_fds=True, start_new_session=True,
    )


def build_spec(module: str, args: Sequence[str], policy: SandboxPolicy, workdir: Path) -> LaunchSpec:
    """Decide everything about the child: what it runs, its limits, user, environment and visible paths."""
    identity = sandbox_identity(policy.user)
    if identity is not None:
        hand_over(workdir, *identity)
    limits = Limits(policy.cpu_seconds, policy.memory_bytes, policy.file_bytes, policy.open_files)
    return LaunchSpec(
        parent_pid=os.getpid(),
        executable=sys.executable,
        boot=str(Path(aiflow.sandbox.boot.__file__).resolve()),
        packages=paths.package_folders(),
        python_path=[str(p) for p in policy.python_path],
        module=module,
        args=list(args),
        workdir=str(workdir),
        environment=child_environment(workdir, policy),
        limits=limits,
        identity=identity,
        landlock_abi=landlock_abi(),
        read_only=paths.read_only_paths([*policy.readable, *policy.python_path]),
        writable=[str(workdir), *map(str, policy.writable)],
        devices=list(paths.DEVICES),
    )


def child_environment(workdir: Path, policy: SandboxPolicy) -> dict[str, str]:
    """Return the child's whole environment: a minimal one, then the policy's variables."""
    bin_folder = os.path.dirname(sys.executable)
    home = str(workdir)
    return {"PATH": f"{bin_folder}:{_PATH}", **_LOCALE, "HOME": home, "TMPDIR": home, **dict(policy.environment)}


def hand_over(folder: Path, uid: int, gid: int) -> None:
    """Give ``folder`` and everything in it to the sandbox's user (links are changed, not followed)."""
    os.chown(folder, uid, gid)
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            os.chown(os.path.join(parent, name), uid, gid, follow_symlinks=False)


def new_workdir() -> Path:
    """Create a private, empty working folder for one child."""
    return Path(tempfile.mkdtemp(prefix="aiflow-sandbox-")).resolve()
