"""What a process gives up before it runs untrusted code: limits, privileges, capabilities, its user.

Every function acts on the calling process and cannot be undone; the sandbox
calls them in the forked child just before it executes the interpreter.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36
_PR_CAPBSET_READ = 23
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)
_libc_prctl, _libc_capset = _libc.prctl, _libc.capset  # looked up once, not in each forked child


@dataclass(frozen=True)
class Limits:
    """Resource limits of a sandboxed process; ``None`` leaves a limit as it is."""

    cpu_seconds: int | None
    memory_bytes: int | None
    file_bytes: int | None
    open_files: int | None


def _prctl(option: int, arg: int = 0) -> int:
    result = int(_libc_prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                             ctypes.c_ulong(0)))
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def set_parent_death_signal(signum: signal.Signals) -> None:
    """Have the kernel send ``signum`` to this process when the thread that started it ends."""
    _prctl(_PR_SET_PDEATHSIG, signum)


def forbid_tracing() -> None:
    """Clear this process's dumpable flag: only a holder of CAP_SYS_PTRACE may trace it or read its ``/proc`` files.

    So a process of the same user without that capability (a capability-less
    root one included) can neither attach to it nor read its
    ``/proc/<pid>/environ`` or ``mem``. It also forbids core dumps. Children
    forked later inherit the flag; a program executed later does not.
    """
    _prctl(_PR_SET_DUMPABLE, 0)


def become_subreaper() -> None:
    """Adopt this process's orphaned descendants (instead of init), so they can be found and reaped."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def forbid_new_privileges() -> None:
    """Set ``no_new_privs``: no set-user-ID program or file capability ever grants more than this process has."""
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def apply_limits(limits: Limits) -> None:
    """Set the resource limits (soft and hard) and forbid core dumps.

    The CPU limit's hard value is one second above the soft one: SIGXCPU first, then SIGKILL.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.cpu_seconds is not None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    for kind, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_FSIZE, limits.file_bytes),
                        (resource.RLIMIT_NOFILE, limits.open_files)):
        if value is not None:
            resource.setrlimit(kind, (value, value))


def drop_capability_bounding_set() -> None:
    """Remove every capability from the bounding set, so no program executed later regains one.

    Needs CAP_SETPCAP; a process without it (not root) has nothing to drop from
    that an execution could grant, and this does nothing.
    """
    cap = 0
    while (held := _in_bounding_set(cap)) is not None:
        if held:
            try:
                _prctl(_PR_CAPBSET_DROP, cap)
            except PermissionError:
                return
        cap += 1


def _in_bounding_set(cap: int) -> bool | None:
    """Whether ``cap`` is in the bounding set; ``None`` when the kernel knows no such capability."""
    try:
        return _prctl(_PR_CAPBSET_READ, cap) == 1
    except OSError:
        return None


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_CapDataPair = _CapData * 2  # made once: a forked child pays for what it makes first


def drop_capabilities() -> None:
    """Clear the effective, permitted, inheritable and ambient capability sets of this process."""
    _prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL)
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = _CapDataPair()
    if _libc_capset(ctypes.byref(header), data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def switch_user(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good, with no supplementary groups (needs root)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
