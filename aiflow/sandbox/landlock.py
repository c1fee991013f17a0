"""Linux Landlock through ctypes: which ABI the kernel offers, and confining this process for good.

A ruleset handles every access right the kernel's ABI knows; only the rules
added here grant any of them back. So a confined process reads and executes
only below its read-only paths, changes files only below its writable paths,
opens no TCP connection and binds no TCP port (ABI 4), and (ABI 6) signals and
reaches abstract unix sockets only inside its own domain. Landlock also keeps
the process from tracing anything outside its domain, at every ABI.
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
_SCOPES = 0b11  # abstract unix sockets, signals


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


def restrict_self(
    abi: int, read_only: Iterable[Path], writable: Iterable[Path], devices: Iterable[Path] = ()
) -> None:
    """Confine this process (and every process it starts) for the rest of its life.

    Paths that do not exist are skipped. ``devices`` are files read and
    written in place (``/dev/null``). The caller must have set ``no_new_privs``.

    Raises:
        OSError: the kernel refused the ruleset (Landlock absent, or a bad rule).
    """
    fs = handled_fs(abi)
    attr = _RulesetAttr(fs, _NET_TCP if abi >= 4 else 0, _SCOPES if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    try:
        rules = [(p, READ_ONLY) for p in read_only] + [(p, fs) for p in writable]
        rules += [(p, READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV) for p in devices]
        for path, access in rules:
            _add_rule(ruleset, path, access & fs)
        _syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def _add_rule(ruleset: int, path: Path, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FILE_RIGHTS
        rule = _PathBeneathAttr(access, fd)
        _syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                 ctypes.c_uint32(0))
    finally:
        os.close(fd)
