"""Which user a sandboxed child runs as, and whether the kernel can confine it.

Checked once per process, with one warning when a protection is missing:
a server that is not root keeps its own user; a root server switches to the
configured user only if that user can run this interpreter and import AIFlow
(else the child stays root without capabilities, confined by Landlock).
"""

from __future__ import annotations

import functools
import logging
import os
import pwd
import subprocess
import sys

from aiflow.sandbox import landlock
from aiflow.sandbox.paths import package_root

logger = logging.getLogger(__name__)

_PROBE = "import sys; sys.path.insert(0, sys.argv[1]); import aiflow.sandbox.boot"
_PROBE_TIMEOUT_S = 30


@functools.cache
def sandbox_identity(user: str | None) -> tuple[int, int] | None:
    """Return the (uid, gid) sandboxed children switch to, or ``None`` to keep this process's user."""
    if user is None or os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        logger.warning("Sandbox: no user %r; sandboxed processes run as root without capabilities", user)
        return None
    if entry.pw_uid == 0:
        return None
    if not interpreter_usable_by(entry.pw_uid, entry.pw_gid, sys.executable):
        logger.warning(
            "Sandbox: user %r cannot run %s; sandboxed processes run as root without capabilities", user,
            sys.executable,
        )
        return None
    return entry.pw_uid, entry.pw_gid


def interpreter_usable_by(uid: int, gid: int, executable: str) -> bool:
    """Return whether ``uid``/``gid`` can run ``executable`` and import AIFlow's sandbox with it."""
    try:
        probe = subprocess.run(
            [executable, "-I", "-B", "-c", _PROBE, package_root()], user=uid, group=gid, extra_groups=[],
            cwd="/", env={"PATH": os.defpath}, stdin=subprocess.DEVNULL, capture_output=True,
            timeout=_PROBE_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


@functools.cache
def landlock_abi() -> int:
    """Return the kernel's Landlock ABI (0 without Landlock, after one warning)."""
    abi = landlock.abi_version()
    if abi == 0:
        logger.warning(
            "Sandbox: the kernel has no Landlock; sandboxed processes may read what their user can and connect anywhere"
        )
    else:
        logger.debug("Sandbox: Landlock ABI %s", abi)
    return abi
