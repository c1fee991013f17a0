"""Sandboxed children running the probe modules of ``probes/``, and a way to find the processes they leave.

Probes report what the sandbox lets them see and do, or misbehave (spawn detached processes, flood output,
allocate memory) so that the tests can check the sandbox contains them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiflow.sandbox.policy import SandboxPolicy

PROBES = Path(__file__).parent / "probes"


@pytest.fixture
def probe_policy() -> SandboxPolicy:
    """The default policy, with the probes importable."""
    return SandboxPolicy(python_path=(PROBES,))


def tagged_processes(marker: str) -> list[int]:
    """Return the pids of live processes whose environment holds ``AIFLOW_TEST_MARKER=<marker>``."""
    tag = f"AIFLOW_TEST_MARKER={marker}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            environment = Path(entry.path, "environ").read_bytes()
            state = Path(entry.path, "stat").read_text().rsplit(") ", 1)[1][0]
        except (OSError, IndexError):
            continue
        if tag in environment.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found
