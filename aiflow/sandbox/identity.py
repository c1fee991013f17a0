"""Which user a sandboxed child runs as, and whether the kernel can confine it.

Checked once per process, with one warning when a protection is missing:
a server that is not root keeps its own user; a root server switches to the
configured user only if that user can run this interpreter and import AIFlow
(else the child stays root without capabilities, confined by Landlock). The
workers use the same check for task processes (:func:`unprivileged_identity`).
"""

from __future__ import annotations

import functools
import logging
import os
import pwd
import subprocess
import sys
from collections.abc import Sequence

from aiflow.sandbox import landlock
from aiflow.sandbox.paths import package_root

logger = logging.getLogger(__name__)

_PROBE = (
    "import os, sys; sys.path.insert(0, sys.argv[1]); import aiflow.sandbox.boot\n"
    "for folder in sys.argv[2:]: os.stat(os.path.join(folder, '.'))"
)
"""Imports AIFlow's sandbox, then looks into each folder named after the package root (needs search permission)."""
_PROBE_TIMEOUT_S = 30


def sandbox_identity(user: str | None) -> tuple[int, int] | None:
    """Return the (uid, gid) sandboxed children switch to, or ``None`` to keep this process's user."""
    return unprivileged_identity(user, "sandboxed processes")


@functools.cache
def unprivileged_identity(user: str | None, what: str, reachable: tuple[str, ...] = ()) -> tuple[int, int] | None:
    """Return the (uid, gid) that ``what`` (processes, for the warnings) switch to, or ``None`` to keep this user.

    Only a root process switches, and only to an existing user other than root
    who can run this interpreter, import AIFlow and look into each folder of
    ``reachable``; otherwise one warning says so. Checked once per arguments.
    """
    if user is None or os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        logger.warning("Sandbox: no user %r; %s run as root without capabilities", user, what)
        return None
    if entry.pw_uid == 0:
        return None
    if not interpreter_usable_by(entry.pw_uid, entry.pw_gid, sys.executable, reachable):
        where = f" or reach {', '.join(reachable)}" if reachable else ""
        logger.warning("Sandbox: user %r cannot run %s%s; %s run as root without capabilities", user,
                       sys.executable, where, what)
        return None
    return entry.pw_uid, entry.pw_gid


def interpreter_usable_by(uid: int, gid: int, executable: str, reachable: Sequence[str] = ()) -> bool:
    """Return whether ``uid``/``gid`` can run ``executable``, import AIFlow's sandbox and look into ``reachable``."""
    try:
        probe = subprocess.run(
            [executable, "-I", "-B", "-c", _PROBE, package_root(), *reachable], user=uid, group=gid,
            extra_groups=[], cwd="/", env={"PATH": os.defpath}, stdin=subprocess.DEVNULL, capture_output=True,
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
