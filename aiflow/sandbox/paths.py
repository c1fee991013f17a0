"""What a sandboxed interpreter must be able to read, and nothing more.

That is the interpreter's prefixes (the virtual environment and the Python
it was made from, with their site-packages), the folders of AIFlow's own
packages (never the folder holding them: a project root may hold
``AIFLOW_HOME``), the system's libraries, a few files of ``/etc`` and the
harmless character devices. A path that contains ``AIFLOW_HOME`` or
``NOTIFICATION_HOME`` is dropped with a warning; the caller's own
extra paths are granted as given.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import site
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from aiflow.config import aiflow_home
from notification.config import notification_home

logger = logging.getLogger(__name__)

PACKAGES = ("aiflow", "ai_flow", "notification", "notification_service")
"""AIFlow's top-level packages that sandboxed code imports."""

SYSTEM_READ_ONLY = (
    "/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
    "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types",
    "/sys/devices/system/cpu",
)
"""System paths the interpreter and common libraries read; no secret lives there."""

DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
"""Character devices a sandboxed process may open for reading and writing."""


@functools.cache
def package_folders() -> dict[str, str]:
    """Return the folder of each of AIFlow's top-level packages this interpreter can import."""
    folders = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders[name] = str(Path(next(iter(spec.submodule_search_locations))).resolve())
    return folders


def package_root() -> str:
    """Return the folder that holds the ``aiflow`` package (put first on the trusted reaper's path)."""
    return str(Path(package_folders()["aiflow"]).parent)


def interpreter_paths() -> list[Path]:
    """Return the interpreter's prefixes, standard library and site-packages folders, and its executable."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    library = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    executables = {sys.executable, os.path.realpath(sys.executable)}
    return [Path(p) for p in sorted({*prefixes, *library, *site.getsitepackages(), *executables}) if p]


def read_only_paths(extra: Iterable[Path]) -> list[str]:
    """Return every read-only path of a sandbox: the interpreter's, AIFlow's packages', the system's and ``extra``.

    ``extra`` paths are the caller's choice; the others are dropped when they hold a home.
    """
    own = [*interpreter_paths(), *map(Path, package_folders().values()), *map(Path, SYSTEM_READ_ONLY)]
    return sorted({*(str(path) for path in own if not _holds_a_home(path)), *map(str, extra)})


def _holds_a_home(path: Path) -> bool:
    for variable, home in (("AIFLOW_HOME", aiflow_home()), ("NOTIFICATION_HOME", notification_home())):
        if home.resolve().is_relative_to(path.resolve()):
            _warn_home_inside(str(path), variable)
            return True
    return False


@functools.cache
def _warn_home_inside(path: str, variable: str) -> None:
    logger.warning("Sandbox: %s is not readable by sandboxed processes: it holds %s", path, variable)
