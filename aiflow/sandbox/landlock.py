"""Linux Landlock through ctypes: which ABI the kernel offers, and confining this process for good.

A :class:`Ruleset` handles every filesystem right the kernel's ABI knows; only
the rules added to it grant any of them back. It may also handle TCP (ABI 4:
no connection, no bound port) and scope signals and abstract unix sockets to
the process's own domain (ABI 6). :func:`restrict_self` is the sandbox's
allowlist: a confined process reads and executes only below its read-only
paths, changes files only below its writable paths, and has no TCP and both
scopes. Landlock also keeps a confined process from tracing anything outside
its domain (``ptrace``, ``/proc/<pid>/environ``, ``/proc/<pid>/mem``), at every ABI.
"""

from __future__ import annotations

import ctypes
import os
import stat
from collections.abc import Iterable
from pathlib import Path

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
"""The only rights a rule on a file (not a folder) may grant."""
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
"""Rights of a read-only path: read, list and execute."""
_NET_TCP = 0b11  # bind, connect
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
SCOPES_ABI = 6
"""The first ABI with scopes."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(number: int, *args: object) -> int:
    result = int(_libc.syscall(ctypes.c_long(number), *args))
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def abi_version() -> int:
    """Return the kernel's Landlock ABI version, or 0 when Landlock is absent or disabled."""
    try:
        return _syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def handled_fs(abi: int) -> int:
    """Return every filesystem right ABI ``abi`` knows (all of them are denied unless a rule grants them)."""
    highest = 12 if abi < 2 else 13 if abi < 3 else 14 if abi < 5 else 15
    return (1 << (highest + 1)) - 1


class Ruleset:
    """A Landlock ruleset being built; :meth:`enforce` confines this process with it.

    ``tcp`` makes the ruleset handle TCP bind and connect (denied, as no rule
    grants them; ABI 4+); ``scopes`` (``SCOPE_*`` bits, ABI 6+) keeps signals
    or abstract unix sockets inside the domain. What the ABI lacks is left out.
    Without ``fs`` it handles no filesystem right (a ruleset of scopes alone).
    Close it (or leave the ``with`` block) once enforced or abandoned.

    Raises:
        OSError: the kernel refused the ruleset (Landlock absent or disabled).
    """

    def __init__(self, abi: int, *, tcp: bool, scopes: int = 0, fs: bool = True) -> None:
        self.handled = handled_fs(abi) if fs else 0
        attr = _RulesetAttr(self.handled, _NET_TCP if tcp and abi >= 4 else 0, scopes if abi >= SCOPES_ABI else 0)
        size = 8 if abi < 4 else 16 if abi < 6 else 24
        self._fd = _syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))

    def allow(self, path: Path, access: int) -> None:
        """Grant ``access`` (as far as the ABI handles it) below ``path``.

        A path that is gone, or that this process may not reach, is skipped
        (nothing below it is granted). A rule on a file (not a folder) grants
        only the rights a file can have.
        """
        held = _hold(path, access)
        if held is not None:
            try:
                self.add_held(*held)
            finally:
                os.close(held[0])

    def add_held(self, fd: int, access: int) -> None:
        """Grant ``access`` below the path open as ``fd`` (``O_PATH``), as :class:`HeldRules` holds them."""
        rule = _PathBeneathAttr(access & self.handled, fd)
        _syscall(_SYS_ADD_RULE, ctypes.c_int(self._fd), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                 ctypes.c_uint32(0))

    def enforce(self) -> None:
        """Confine this process (and every process it starts) for the rest of its life.

        The caller must have set ``no_new_privs`` (or hold CAP_SYS_ADMIN).
        """
        _syscall(_SYS_RESTRICT_SELF, ctypes.c_int(self._fd), ctypes.c_uint32(0))

    def close(self) -> None:
        """Release the ruleset (an enforced confinement stays)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Ruleset:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class HeldRules:
    """Rules whose paths are held open: adding them to a ruleset then costs one system call each.

    For a process that forks many confined children: it holds the rules once,
    each child adds them to its ruleset, then closes its inherited copy
    (:meth:`close`) before running anything else. Paths that are gone, or that
    this process may not reach, are skipped, as by :meth:`Ruleset.allow`.
    """

    def __init__(self, rules: Iterable[tuple[Path, int]]) -> None:
        self._held = [held for path, access in rules if (held := _hold(path, access)) is not None]

    def add_to(self, ruleset: Ruleset) -> None:
        """Add every rule to ``ruleset``."""
        for fd, access in self._held:
            ruleset.add_held(fd, access)

    def close(self) -> None:
        """Close the paths held (in this process)."""
        for fd, _ in self._held:
            os.close(fd)
        self._held = []


def _hold(path: Path, access: int) -> tuple[int, int] | None:
    """Open ``path`` for a rule: its ``O_PATH`` descriptor and the rights a rule on it may grant."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (FileNotFoundError, PermissionError):
        return None
    try:
        is_folder = stat.S_ISDIR(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd, access if is_folder else access & _FILE_RIGHTS


def restrict_self(
    abi: int, read_only: Iterable[Path], writable: Iterable[Path], devices: Iterable[Path] = ()
) -> None:
    """Confine this process as a sandbox: only these paths, no TCP, signals and abstract sockets in its domain.

    Paths that do not exist are skipped. ``devices`` are files read and
    written in place (``/dev/null``). The caller must have set ``no_new_privs``.

    Raises:
        OSError: the kernel refused the ruleset (Landlock absent, or a bad rule).
    """
    with Ruleset(abi, tcp=True, scopes=SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) as ruleset:
        for path in read_only:
            ruleset.allow(path, READ_ONLY)
        for path in writable:
            ruleset.allow(path, ruleset.handled)
        for path in devices:
            ruleset.allow(path, READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV)
        ruleset.enforce()
